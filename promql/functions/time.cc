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

// Howard Hinnant's days-from-civil inverse.
CivilTime ToCivil(int64_t unix_seconds) {
  int64_t days = FloorDiv(unix_seconds, kSecondsPerDay);
  int64_t secs = unix_seconds - days * kSecondsPerDay;
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);

  static constexpr int kDaysBefore[] = {0,   31,  59,  90,  120, 151,
                                        181, 212, 243, 273, 304, 334};
  static constexpr int kDaysIn[] = {31, 28, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31};
  bool leap = IsLeap(y);
  CivilTime c;
  c.year = y;
  c.month = static_cast<int>(m);
  c.day = static_cast<int>(d);
  c.day_of_week = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970: Thu
  c.day_of_year =
      kDaysBefore[m - 1] + static_cast<int>(d) + (leap && m > 2 ? 1 : 0);
  c.days_in_month = kDaysIn[m - 1] + (leap && m == 2 ? 1 : 0);
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs % 3600 / 60);
  return c;
}

// Prometheus's dateWrapper: without an argument the function applies to the
// evaluation time and returns one unlabelled sample; otherwise to each
// sample's value read as Unix seconds, dropping the name.
template <typename Fn>
absl::Status DateFunction(const FunctionArgs& args, EvalVector* out, Fn fn) {
  if (args.call.args.empty()) {
    // Go's integer division truncates: time.Unix(ts/1000, 0).
    CivilTime c = ToCivil(args.t / 1000);
    out->push_back(EvalSample{Labels(), args.t, fn(c), false});
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
  out->push_back(
      EvalSample{Labels(), args.t, static_cast<double>(args.t) / 1000, false});
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
