#include "lib/relabel/case_map.h"

#include <cstdint>

#include "lib/model/utf8.h"

namespace vigil::relabel {
namespace {

// A run of upper-case code points [upper_first, upper_last] whose lower-case
// forms are at +delta; `stride` 2 marks alternating upper/lower pairs
// (Latin Extended-A), where only every other code point is upper case.
struct CaseRange {
  uint32_t upper_first;
  uint32_t upper_last;
  int32_t delta;
  uint32_t stride;
};

constexpr CaseRange kRanges[] = {
    {0x41, 0x5A, 32, 1},   {0xC0, 0xD6, 32, 1},   {0xD8, 0xDE, 32, 1},
    {0x100, 0x12E, 1, 2},  {0x132, 0x136, 1, 2},  {0x139, 0x147, 1, 2},
    {0x14A, 0x176, 1, 2},  {0x179, 0x17D, 1, 2},  {0x391, 0x3A1, 32, 1},
    {0x3A3, 0x3AB, 32, 1}, {0x400, 0x40F, 80, 1}, {0x410, 0x42F, 32, 1},
    {0x460, 0x480, 1, 2},  {0x48A, 0x4BE, 1, 2},
};

uint32_t MapRune(uint32_t r, bool to_lower) {
  for (const CaseRange& c : kRanges) {
    if (to_lower) {
      if (r >= c.upper_first && r <= c.upper_last &&
          (r - c.upper_first) % c.stride == 0) {
        return r + c.delta;
      }
    } else {
      const uint32_t lo_first = c.upper_first + c.delta;
      const uint32_t lo_last = c.upper_last + c.delta;
      if (r >= lo_first && r <= lo_last && (r - lo_first) % c.stride == 0) {
        return r - c.delta;
      }
    }
  }
  return r;
}

std::string MapString(std::string_view s, bool to_lower) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    // Go's strings.Map: an invalid byte becomes U+FFFD.
    int width;
    const int32_t r = DecodeRune(s, i, &width);
    AppendRune(MapRune(r, to_lower), &out);
    i += static_cast<size_t>(width);
  }
  return out;
}

}  // namespace

std::string ToLowerUtf8(std::string_view s) { return MapString(s, true); }
std::string ToUpperUtf8(std::string_view s) { return MapString(s, false); }

}  // namespace vigil::relabel
