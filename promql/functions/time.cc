// time(), timestamp() and the calendar functions (UTC, proleptic Gregorian).
#include <cstdint>
#include <optional>

#include "promql/functions/common.h"
#include "promql/functions/impls.h"

namespace vigil::promql::functions {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

struct CivilTime {
  int64_t year;
  int month;        // 1..12
  int day;          // 1..31
  int day_of_week;  // 0 = Sunday
  int day_of_year;  // 1..366
  int days_in_month;
  int hour;
  int minute;
};

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Go's time package (1.23 on, which Prometheus 3.x is built with) reads a
// time as uint64 seconds since its absolute epoch, March 1 of the year
// -292277022400: time.Unix(s, 0).UTC() has the fields of
// uint64(s) + kUnixToAbsolute, wrapping. So a Unix time below
// -kUnixToAbsolute (about -9.2233720287e18) lands 2^64 seconds later, in
// the year 292277026854 or before; int64(NaN), int64(±Inf) and every float
// beyond ±2^63 are math.MinInt64 on amd64, which lands on
// 292277026596-12-04T15:30:08Z, a Sunday. (Go up to 1.22, so Prometheus
// 2.x, used January 1 of -292277022399: the same answers but for Unix times
// in [-9223372028741760000, -9223372028715321600), which wrap there.)
constexpr int64_t kUnixToInternalDays =
    1969 * 365 + 1969 / 4 - 1969 / 100 + 1969 / 400;
constexpr int64_t kInternalToAbsoluteDays =
    292277022400 / 400 * 146097 + 306;  // 306: March 1 to December 31
constexpr int64_t kUnixToAbsoluteDays =
    kUnixToInternalDays + kInternalToAbsoluteDays;
constexpr uint64_t kUnixToAbsolute =
    static_cast<uint64_t>(kUnixToAbsoluteDays) * kSecondsPerDay;

// Unix day number to proleptic Gregorian (Howard Hinnant's algorithms).
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  int64_t era = FloorDiv(y, 400);
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The Unix day number of Go's absolute seconds.
int64_t AbsoluteToUnixDays(uint64_t abs) {
  return static_cast<int64_t>(abs / kSecondsPerDay) - kUnixToAbsoluteDays;
}

CivilTime FromAbsolute(uint64_t abs) {
  static constexpr int kDaysBefore[] = {0,   31,  59,  90,  120, 151,
                                        181, 212, 243, 273, 304, 334};
  const int64_t days = AbsoluteToUnixDays(abs);
  CivilTime c;
  CivilFromDays(days, &c.year, &c.month, &c.day);
  const bool leap = IsLeap(c.year);
  c.day_of_week = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970: Thu
  c.day_of_year =
      kDaysBefore[c.month - 1] + c.day + (leap && c.month > 2 ? 1 : 0);
  // Prometheus: 32 - time.Date(year, month, 32, ...).Day(). Date wraps the
  // same way, so past the end of Go's range this is not a month's length.
  const uint64_t day32 =
      static_cast<uint64_t>(DaysFromCivil(c.year, c.month, 1) + 31) *
          kSecondsPerDay +
      kUnixToAbsolute;
  int64_t y;
  int m;
  int d;
  CivilFromDays(AbsoluteToUnixDays(day32), &y, &m, &d);
  c.days_in_month = 32 - d;
  c.hour = static_cast<int>(abs % kSecondsPerDay / 3600);
  c.minute = static_cast<int>(abs % 3600 / 60);
  return c;
}

// time.Unix(unix_seconds, 0).UTC().
CivilTime ToCivil(int64_t unix_seconds) {
  return FromAbsolute(static_cast<uint64_t>(unix_seconds) + kUnixToAbsolute);
}

// Prometheus's dateWrapper: without an argument the function applies to the
// evaluation time and returns one unlabelled sample; otherwise to each
// sample's value read as Unix seconds, dropping the name.
template <typename Fn>
absl::Status DateFunction(const FunctionArgs& args, EvalVector* out, Fn fn) {
  if (args.call.args.empty()) {
    // Go's integer division truncates: time.Unix(ts/1000, 0).
    CivilTime c = ToCivil(args.t / 1000);
    out->push_back(EvalSample{Labels(), args.t, fn(c), false, nullptr});
    return absl::OkStatus();
  }
  size_t first = out->size();
  for (const EvalSample& s : VectorArg(args, 0)) {
    CivilTime c = ToCivil(GoFloatToInt64(s.v));
    AppendDroppingName(args, s.metric, fn(c), out);
  }
  return CheckDroppedNames(args, *out, first);
}

}  // namespace

absl::Status Time(const FunctionArgs& args, EvalVector* out) {
  out->push_back(EvalSample{
      Labels(), args.t, static_cast<double>(args.t) / 1000, false, nullptr});
  return absl::OkStatus();
}

// The evaluator hands timestamp() each sample at its own time.
absl::Status Timestamp(const FunctionArgs& args, EvalVector* out) {
  size_t first = out->size();
  for (const EvalSample& s : VectorArg(args, 0)) {
    AppendDroppingName(args, s.metric, static_cast<double>(s.t) / 1000, out);
  }
  for (size_t i = first; i < out->size(); ++i) (*out)[i].t = args.t;
  return CheckDroppedNames(args, *out, first);
}

#define VIGIL_DATE_FUNCTION(name, field)                         \
  absl::Status name(const FunctionArgs& args, EvalVector* out) { \
    return DateFunction(args, out, [](const CivilTime& c) {      \
      return static_cast<double>(c.field);                       \
    });                                                          \
  }

VIGIL_DATE_FUNCTION(DayOfMonth, day)
VIGIL_DATE_FUNCTION(DayOfWeek, day_of_week)
VIGIL_DATE_FUNCTION(DayOfYear, day_of_year)
VIGIL_DATE_FUNCTION(DaysInMonth, days_in_month)
VIGIL_DATE_FUNCTION(Hour, hour)
VIGIL_DATE_FUNCTION(Minute, minute)
VIGIL_DATE_FUNCTION(Month, month)
VIGIL_DATE_FUNCTION(Year, year)

#undef VIGIL_DATE_FUNCTION

}  // namespace vigil::promql::functions
