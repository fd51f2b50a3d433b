// MD5 (RFC 1321), needed only because Prometheus's hashmod relabel action is
// defined on md5 digests. Not for security. Internal to vigil_relabel.
#ifndef VIGIL_LIB_RELABEL_MD5_H_
#define VIGIL_LIB_RELABEL_MD5_H_

#include <array>
#include <cstdint>
#include <string_view>

namespace vigil::relabel {

using Md5Digest = std::array<uint8_t, 16>;

Md5Digest Md5(std::string_view data);

}  // namespace vigil::relabel

#endif  // VIGIL_LIB_RELABEL_MD5_H_
