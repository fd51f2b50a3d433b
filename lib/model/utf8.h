// UTF-8 as Go's unicode/utf8 reads and writes it. Every layer that checks,
// walks or re-encodes text for Prometheus's messages and escapes uses these,
// so all of them agree on what counts as valid. Internal: not installed.
#ifndef VIGIL_LIB_MODEL_UTF8_H_
#define VIGIL_LIB_MODEL_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

// Go's utf8.RuneError, what an invalid sequence decodes to.
inline constexpr int32_t kRuneError = 0xFFFD;
// Go's utf8.MaxRune.
inline constexpr int32_t kMaxRune = 0x10FFFF;

// Whether r is a Unicode scalar value: in [0, U+10FFFF] and not a UTF-16
// surrogate (Go's utf8.ValidRune).
inline bool IsValidRune(int32_t r) {
  return r >= 0 && r <= kMaxRune && !(r >= 0xD800 && r < 0xE000);
}

// Go's utf8.DecodeRuneInString(s[i:]) for i < s.size(): the rune at s[i]
// and, in *width, its length in bytes. Overlong forms, surrogates, values
// past U+10FFFF and truncated sequences decode as kRuneError with width 1;
// a genuine U+FFFD has width 3, which is how callers tell them apart.
int32_t DecodeRune(std::string_view s, size_t i, int* width);

// Go's utf8.ValidString (Prometheus 3 accepts any such name).
bool IsValidUtf8(std::string_view s);

// Appends r's UTF-8 bytes. Nothing is checked: a surrogate is written as
// its three bytes, and a value past U+10FFFF as four bytes that are not
// UTF-8, so callers that can see such values exclude them first.
void AppendRune(uint32_t r, std::string* out);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_UTF8_H_
