// The real SendFunction: one POST of a compressed WriteRequest with remote
// write 1.0's headers, the config's credentials, TLS and timeout.
// Internal to vigil_remote.
#ifndef VIGIL_LIB_REMOTE_HTTP_SENDER_H_
#define VIGIL_LIB_REMOTE_HTTP_SENDER_H_

#include <string>

#include "vigil/remote_write.h"

namespace vigil::remote {

// The User-Agent vigil sends (Prometheus sends "Prometheus/<version>").
inline constexpr char kUserAgent[] = "vigil/0.1.0";

SendResult HttpSend(const RemoteWriteConfig& config, const std::string& body);

}  // namespace vigil::remote

#endif  // VIGIL_LIB_REMOTE_HTTP_SENDER_H_
