// Pieces of Prometheus's text exposition format (0.0.4) that more than one
// writer needs: escaping as expfmt does it.
#ifndef VIGIL_LIB_MODEL_EXPOSITION_TEXT_H_
#define VIGIL_LIB_MODEL_EXPOSITION_TEXT_H_

#include <string>
#include <string_view>

namespace vigil {

// Appends `s` escaped as expfmt escapes it: a backslash and a newline
// always, a double quote only in a label value (`quote`), not in HELP text.
inline void AppendExpositionEscaped(std::string_view s, bool quote,
                                    std::string* out) {
  for (char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '"':
        if (quote) {
          out->append("\\\"");
        } else {
          out->push_back(c);
        }
        break;
      default:
        out->push_back(c);
    }
  }
}

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_EXPOSITION_TEXT_H_
