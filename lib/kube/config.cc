// InClusterConfig: client-go's rest.InClusterConfig.
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "vigil/kube.h"

namespace vigil::kube {

absl::StatusOr<ApiConfig> InClusterConfig() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
    return absl::FailedPreconditionError(
        "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST "
        "and KUBERNETES_SERVICE_PORT must be defined");
  }
  const std::string h(host);
  ApiConfig config;
  // An IPv6 service address needs brackets (net.JoinHostPort).
  config.api_url = h.find(':') != std::string::npos
                       ? absl::StrCat("https://[", h, "]:", port)
                       : absl::StrCat("https://", h, ":", port);
  config.token_file = std::string(kServiceAccountTokenFile);
  config.ca_file = std::string(kServiceAccountCaFile);
  return config;
}

}  // namespace vigil::kube
