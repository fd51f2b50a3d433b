// Lower- and upper-casing of UTF-8 text for the lowercase / uppercase relabel
// actions (Go's strings.ToLower / ToUpper). Internal to vigil_relabel.
#ifndef VIGIL_LIB_RELABEL_CASE_MAP_H_
#define VIGIL_LIB_RELABEL_CASE_MAP_H_

#include <string>
#include <string_view>

namespace vigil::relabel {

// ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters are mapped;
// other scripts pass through unchanged. Invalid UTF-8 bytes become U+FFFD,
// as Go's strings.Map does.
std::string ToLowerUtf8(std::string_view s);
std::string ToUpperUtf8(std::string_view s);

}  // namespace vigil::relabel

#endif  // VIGIL_LIB_RELABEL_CASE_MAP_H_
