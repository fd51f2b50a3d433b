// libFuzzer target for the HTTP API's parameter parsing (lib/api/params.h),
// what any client of /api/v1 controls: the form decoding of query strings
// and bodies, and the parsers of times, durations, limits, match[]
// selectors and escaped label names. The input is used twice: as a
// parameter value given to every parser, and as an urlencoded form whose
// parameters go to the parsers the handlers give them to. Nothing may
// crash or trip a sanitizer (the arithmetic on times and durations is
// where UBSan looks), and results stay in their ranges: times within
// Prometheus's MinTime..MaxTime, limits non-negative, match[] sets each
// with a matcher that rejects the empty value, unescaping never longer
// than its input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_die.h"
#include "lib/api/params.h"
#include "vigil/api.h"

namespace {

using vigil::fuzz::Die;

void CheckTime(const absl::StatusOr<int64_t>& t, std::string_view in) {
  if (t.ok() && (*t < vigil::api::kMinTimeMs || *t > vigil::api::kMaxTimeMs)) {
    Die("time outside MinTime..MaxTime", in);
  }
}

void CheckMatchers(const std::vector<std::string>& values) {
  auto sets = vigil::api::ParseMatchersParam(values);
  if (!sets.ok()) return;
  for (const vigil::Matchers& set : *sets) {
    bool selective = false;
    for (const vigil::Matcher& m : set) selective |= !m.Matches("");
    if (!selective) Die("match[] set matching every series", values[0]);
  }
}

// One value, as any of the parameters.
void ParseValue(std::string_view v) {
  CheckTime(vigil::api::ParseTimeMs(v), v);
  (void)vigil::api::ParseDurationNs(v);
  if (auto limit = vigil::api::ParseLimit(v); limit.ok() && *limit < 0) {
    Die("negative limit", v);
  }
  double f = 0;
  (void)vigil::api::ParseGoFloat(v, &f);
  (void)vigil::api::UnescapeLabelName(v);
  if (auto u = vigil::api::QueryUnescape(v); u && u->size() > v.size()) {
    Die("unescaping grew", v);
  }
  CheckMatchers({std::string(v)});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Its own allocation, so ASan sees any read past the input.
  const std::string input(reinterpret_cast<const char*>(data), size);
  ParseValue(input);

  vigil::api::Form form;
  form.Parse(input);
  for (const char* name : {"time", "start", "end"}) {
    CheckTime(vigil::api::ParseTimeParam(form, name, 0), form.Value(name));
  }
  for (const char* name : {"step", "timeout", "lookback_delta"}) {
    (void)vigil::api::ParseDurationNs(form.Value(name));
  }
  (void)vigil::api::ParseLimit(form.Value("limit"));
  const std::vector<std::string> match = form.Values("match[]");
  if (!match.empty()) CheckMatchers(match);
  return 0;
}
