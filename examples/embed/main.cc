// Embedding vigil: select the series the PodPrivilegedMode alert joins on.
#include <iostream>

#include "vigil/labels.h"
#include "vigil/matcher.h"

int main() {
  const vigil::Labels series[] = {
      vigil::Labels::FromStrings({"__name__", "kube_pod_security_context",
                                  "namespace", "default", "pod", "web-0",
                                  "privileged", "true"}),
      vigil::Labels::FromStrings({"__name__", "kube_pod_security_context",
                                  "namespace", "default", "pod", "db-0",
                                  "privileged", "false"}),
  };
  auto privileged =
      vigil::Matcher::Create(vigil::MatchType::kEqual, "privileged", "true");
  if (!privileged.ok()) {
    std::cerr << privileged.status() << "\n";
    return 1;
  }
  std::cout << "PodPrivilegedMode candidates:\n";
  for (const auto& s : series) {
    if (privileged->Matches(s.Get("privileged"))) {
      std::cout << "  " << s.ToString() << "\n";
    }
  }
  return 0;
}
