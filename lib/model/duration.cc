#include "lib/model/duration.h"

#include <array>
#include <limits>

namespace vigil {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t ms;
};

// Largest first: the order model.ParseDuration demands.
constexpr std::array<Unit, 7> kUnits = {{
    {"y", 365LL * 24 * 3600 * 1000},
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
}};

// model.Duration is a time.Duration: nanoseconds in an int64, so about 292
// years. model.ParseDuration rejects what does not fit there.
constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1'000'000;

absl::Status Invalid(std::string_view text) {
  return absl::InvalidArgumentError("not a valid duration string: \"" +
                                    std::string(text) + "\"");
}

}  // namespace

absl::StatusOr<int64_t> ParseDurationMs(std::string_view text) {
  if (text == "0") return 0;
  if (text.empty()) return Invalid(text);
  int64_t total = 0;
  size_t next_unit = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n > (std::numeric_limits<int64_t>::max() - 9) / 10) {
        return Invalid(text);
      }
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) return Invalid(text);
    // "ms" before "m": try the longer suffix first.
    size_t matched = kUnits.size();
    for (size_t u = next_unit; u < kUnits.size(); ++u) {
      std::string_view s = kUnits[u].suffix;
      if (text.substr(i, s.size()) != s) continue;
      if (s == "m" && text.substr(i, 2) == "ms") continue;
      matched = u;
      break;
    }
    if (matched == kUnits.size()) return Invalid(text);
    i += kUnits[matched].suffix.size();
    if (n > kMaxMs / kUnits[matched].ms ||
        total > kMaxMs - n * kUnits[matched].ms) {
      return absl::InvalidArgumentError("duration out of range: \"" +
                                        std::string(text) + "\"");
    }
    total += n * kUnits[matched].ms;
    next_unit = matched + 1;
  }
  return total;
}

std::string FormatDurationMs(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out.push_back('-');
    ms = -ms;
  }
  for (const Unit& u : kUnits) {
    // model.Duration.String uses years and weeks only when they divide
    // exactly: "90d" reads better than "12w6d".
    const bool exact_only = u.suffix == "y" || u.suffix == "w";
    if (exact_only && ms % u.ms != 0) continue;
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms);
      out.append(u.suffix);
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace vigil
