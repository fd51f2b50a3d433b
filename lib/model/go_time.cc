#include "lib/model/go_time.h"

namespace vigil {
namespace {

bool IsDigit(std::string_view s, size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

// Go's getnum: one or (when `fixed`) exactly two digits; consumes them.
std::optional<int> GetNum(std::string_view& s, bool fixed) {
  if (!IsDigit(s, 0)) return std::nullopt;
  if (!IsDigit(s, 1)) {
    if (fixed) return std::nullopt;
    const int n = s[0] - '0';
    s.remove_prefix(1);
    return n;
  }
  const int n = (s[0] - '0') * 10 + (s[1] - '0');
  s.remove_prefix(2);
  return n;
}

bool Skip(std::string_view& s, char c) {
  if (s.empty() || s[0] != c) return false;
  s.remove_prefix(1);
  return true;
}

bool IsLeap(int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int DaysIn(int month, int64_t year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

// Go tries parseRFC3339 and then its general layout parser; the general
// one accepts everything the fast one does, so this is the general one on
// the RFC3339Nano layout.
std::optional<int64_t> ParseRfc3339Ms(std::string_view s) {
  // stdLongYear: four bytes, the first a digit.
  if (s.size() < 4 || !IsDigit(s, 0)) return std::nullopt;
  int64_t year = 0;
  for (int i = 0; i < 4; ++i) {
    if (!IsDigit(s, i)) return std::nullopt;
    year = year * 10 + (s[i] - '0');
  }
  s.remove_prefix(4);
  if (!Skip(s, '-')) return std::nullopt;
  const std::optional<int> month = GetNum(s, true);
  if (!month || *month < 1 || *month > 12 || !Skip(s, '-')) {
    return std::nullopt;
  }
  const std::optional<int> day = GetNum(s, true);
  if (!day || !Skip(s, 'T')) return std::nullopt;
  const std::optional<int> hour = GetNum(s, false);
  if (!hour || *hour > 23 || !Skip(s, ':')) return std::nullopt;
  const std::optional<int> minute = GetNum(s, true);
  if (!minute || *minute > 59 || !Skip(s, ':')) return std::nullopt;
  const std::optional<int> second = GetNum(s, true);
  if (!second || *second > 59) return std::nullopt;
  // stdFracSecond9: '.' or ',' and any number of digits, nanoseconds from
  // the first nine.
  int64_t nanos = 0;
  if (s.size() >= 2 && (s[0] == '.' || s[0] == ',') && IsDigit(s, 1)) {
    size_t n = 1;
    int64_t scale = 100000000;
    for (; IsDigit(s, n); ++n) {
      if (n <= 9) {
        nanos += (s[n] - '0') * scale;
        scale /= 10;
      }
    }
    s.remove_prefix(n);
  }
  // stdISO8601ColonTZ: "Z" or ±hh:mm, each two digits, hours to 24 and
  // minutes to 60 ("some people do write offsets of 24 hours").
  int64_t offset_s = 0;
  if (!Skip(s, 'Z')) {
    if (s.size() < 6 || s[3] != ':' || (s[0] != '+' && s[0] != '-')) {
      return std::nullopt;
    }
    std::string_view hh = s.substr(1, 2), mm = s.substr(4, 2);
    const std::optional<int> oh = GetNum(hh, true);
    const std::optional<int> om = GetNum(mm, true);
    if (!oh || !om || *oh > 24 || *om > 60) return std::nullopt;
    offset_s = (*oh * 60 + *om) * 60 * (s[0] == '-' ? -1 : 1);
    s.remove_prefix(6);
  }
  if (!s.empty()) return std::nullopt;  // extra text
  if (*day < 1 || *day > DaysIn(*month, year)) return std::nullopt;
  const int64_t secs = DaysFromCivil(year, *month, *day) * 86400 +
                       *hour * 3600 + *minute * 60 + *second - offset_s;
  return secs * 1000 + nanos / 1000000;
}

}  // namespace vigil
