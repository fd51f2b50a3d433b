#include "tests/promqltest/text_util.h"

#include "lib/model/utf8.h"

namespace vigil::promqltest {

std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int n;
    if (DecodeRune(s, i, &n) == kRuneError && n == 1) {
      out.append("\xEF\xBF\xBD");  // U+FFFD
    } else {
      out.append(s.substr(i, n));
    }
    i += static_cast<size_t>(n);
  }
  return out;
}

}  // namespace vigil::promqltest
