// One paginated list of every pod through the Kubernetes API, with the
// continue-token protocol, the 410-restart and the collector's limits; see
// include/vigil/kube.h. Internal to vigil_kube.
#ifndef VIGIL_LIB_KUBE_POD_LISTER_H_
#define VIGIL_LIB_KUBE_POD_LISTER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/kube/pod_list.h"
#include "vigil/kube.h"

namespace vigil::kube {

struct ListResult {
  // OK, Cancelled (`cancelled` returned true between pages) or the failure
  // with `reason` set.
  absl::Status status;
  ErrorReason reason = ErrorReason::kNone;
  std::vector<PodSecurity> pods;
  int pages = 0;     // requests of the final (successful) pass
  int restarts = 0;  // 410s that restarted the list
};

// Lists all pods. `cancelled` is polled before every page.
ListResult ListPods(const CollectorOptions& options,
                    const std::function<bool()>& cancelled);

// The URL of one page: <api_url>/api/v1/pods?limit=N[&continue=TOKEN].
std::string PodListUrl(const std::string& api_url, int page_size,
                       const std::string& continue_token);

// The token in `path` with surrounding whitespace removed (as client-go's
// transport reads token files).
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

}  // namespace vigil::kube

#endif  // VIGIL_LIB_KUBE_POD_LISTER_H_
