// Decoding scrape_protocols lists and fallback_scrape_protocol names
// (Prometheus's validateAcceptScrapeProtocols). Internal to vigil_scrape.
#ifndef VIGIL_LIB_SCRAPE_SCRAPE_PROTOCOLS_H_
#define VIGIL_LIB_SCRAPE_SCRAPE_PROTOCOLS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/scrape.h"

namespace YAML {
class Node;
}

namespace vigil::scrape {

// The protocol named `name` exactly (case-sensitive, as Prometheus).
std::optional<ScrapeProtocol> ParseScrapeProtocol(std::string_view name);
// "unknown scrape protocol X, supported: [OpenMetricsText0.0.1 ...]".
std::string UnknownProtocolMessage(std::string_view name);
// A scrape_protocols list; `where` ends the messages ("for global config",
// "for scrape config with job name \"x\"").
absl::StatusOr<std::vector<ScrapeProtocol>> DecodeScrapeProtocols(
    std::string_view file, const YAML::Node& node, std::string_view where);

}  // namespace vigil::scrape

#endif  // VIGIL_LIB_SCRAPE_SCRAPE_PROTOCOLS_H_
