#include "lib/kube/exposition.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "lib/model/strings.h"

namespace vigil::kube {
namespace {

void AppendEscaped(std::string_view s, bool quote, std::string* out) {
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

}  // namespace

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // The shortest round-trip digits, as "-d.ddde+XX".
  char buf[64];
  const auto res =
      std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  const size_t e = sci.find('e');
  int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  // Go's 'g' in shortest mode: %e when exp < -4 || exp >= 6, and its %e
  // has the same shape as to_chars' (at least two exponent digits).
  if (exp < -4 || exp >= 6) return std::string(sci);
  std::string out;
  if (sci.front() == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  std::string digits(1, sci[0]);
  if (sci.size() > 1 && sci[1] == '.') {
    digits.append(sci.substr(2, sci.find('e') - 2));
  }
  if (exp < 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-exp - 1), '0');
    out.append(digits);
    return out;
  }
  const size_t int_digits = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_digits) {
    out.append(digits);
    out.append(int_digits - digits.size(), '0');
  } else {
    out.append(digits.substr(0, int_digits));
    out.push_back('.');
    out.append(digits.substr(int_digits));
  }
  return out;
}

void RenderFamily(const FamilyInfo& family,
                  const std::vector<SeriesSample>& series, std::string* out) {
  absl::StrAppend(out, "# HELP ", ToAbsl(family.name), " ");
  AppendEscaped(family.help, /*quote=*/false, out);
  absl::StrAppend(out, "\n# TYPE ", ToAbsl(family.name), " ",
                  ToAbsl(family.type), "\n");
  for (const SeriesSample& s : series) {
    out->append(family.name);
    bool first = true;
    for (const Label& l : s.labels) {
      if (l.name == kMetricName) continue;
      out->append(first ? "{" : ",");
      first = false;
      absl::StrAppend(out, l.name, "=\"");
      AppendEscaped(l.value, /*quote=*/true, out);
      out->push_back('"');
    }
    if (!first) out->push_back('}');
    absl::StrAppend(out, " ", FormatValue(s.value), "\n");
  }
}

}  // namespace vigil::kube
