// Go's url.QueryEscape, which Prometheus uses for template functions
// (urlquery, urlQueryEscape, graphLink, tableLink), alert generator links
// and URL parameters. Internal: not installed.
#ifndef VIGIL_LIB_MODEL_URL_ESCAPE_H_
#define VIGIL_LIB_MODEL_URL_ESCAPE_H_

#include <string>
#include <string_view>

namespace vigil {

// Unreserved bytes (A-Z a-z 0-9 - _ . ~) kept, space as '+', every other
// byte as %XX with upper-case hex.
std::string QueryEscape(std::string_view s);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_URL_ESCAPE_H_
