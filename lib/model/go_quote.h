// Go's quoting of strings and runes, which Prometheus uses to print label
// values, string literals and the characters its error messages name.
// Error texts are compared with Prometheus's byte for byte, so these follow
// strconv's escapes exactly. Internal: not installed.
#ifndef VIGIL_LIB_MODEL_GO_QUOTE_H_
#define VIGIL_LIB_MODEL_GO_QUOTE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

// Go's strconv.Quote (fmt's %q on a string): double-quoted, \a \b \f \n \r
// \t \v \\ \" escaped, other unprintable runes as \xXX or \uXXXX, and each
// byte that is not valid UTF-8 as \xXX.
std::string QuoteString(std::string_view s);

// Go's strconv.QuoteRune (fmt's %q on a rune): 'x', '\n', '\''. A value
// that is not a valid rune is quoted as U+FFFD, as Go does.
std::string QuoteRune(int32_t r);

// Go's %#U: "U+0063 'c'", the character itself only when printable.
std::string FormatRuneU(int32_t r);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_GO_QUOTE_H_
