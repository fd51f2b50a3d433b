#include "lib/relabel/case_map.h"

#include <cstdint>

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

// Decodes one rune at s[i]; 0 bytes consumed means invalid.
size_t Decode(std::string_view s, size_t i, uint32_t* r) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *r = b0;
    return 1;
  }
  size_t n;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    *r = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    *r = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    *r = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    *r = (*r << 6) | (b & 0x3F);
  }
  if (*r < min || *r > 0x10FFFF || (*r >= 0xD800 && *r <= 0xDFFF)) return 0;
  return n;
}

void Encode(uint32_t r, std::string& out) {
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

std::string MapString(std::string_view s, bool to_lower) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t r;
    size_t n = Decode(s, i, &r);
    if (n == 0) {
      r = 0xFFFD;
      n = 1;
    }
    Encode(MapRune(r, to_lower), out);
    i += n;
  }
  return out;
}

}  // namespace

std::string ToLowerUtf8(std::string_view s) { return MapString(s, true); }
std::string ToUpperUtf8(std::string_view s) { return MapString(s, false); }

}  // namespace vigil::relabel
