// Go's printing of template values (fmt's %v and verbs, the String methods
// of time.Time and time.Duration), which template output and the humanize
// functions must reproduce byte for byte. It sits above value.h, the data
// model; strconv's float and quoting rules are lib/model's (go_float.h,
// go_quote.h).
#ifndef VIGIL_LIB_RULES_TEMPLATE_GO_FORMAT_H_
#define VIGIL_LIB_RULES_TEMPLATE_GO_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/rules/template/value.h"

namespace vigil::tmpl {

// fmt.Sprint of one value (%v), as text/template prints an action's result.
// `top` is true for the value itself, false for an element nested in a map
// or slice (where Go prints a nil interface as "<nil>").
void AppendGoValue(std::string& out, const Value& v, bool top = true);
std::string GoValueString(const Value& v);

// fmt.Sprintf with Go's verbs, flags, width and precision (each at most a
// million, as fmt's), and Go's in-band error notes (%!d(string=x),
// %!v(MISSING), %!(EXTRA ...), %!(BADWIDTH)). Formatting stops once the
// result is longer than kMaxOutputBytes: no template may keep such a
// value.
std::string GoSprintf(std::string_view format, const std::vector<Value>& args);
// fmt.Sprint: a space between operands when neither is a string.
std::string GoSprint(const std::vector<Value>& args);
// fmt.Sprintln: spaces between all operands and a trailing newline.
std::string GoSprintln(const std::vector<Value>& args);

// time.Duration.String: "1h2m3.5s", "1.5ms", "0s".
std::string GoDurationString(int64_t nanos);
// time.Time.String of a UTC time: "2006-01-02 15:04:05.999 +0000 UTC".
std::string GoTimeString(int64_t unix_ms);

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_GO_FORMAT_H_
