// Scrape protocols as a table: config name, media type, whether the
// escaping parameter applies (Prometheus's ScrapeProtocolsHeaders and
// acceptHeader).
#include "lib/scrape/scrape_protocols.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/yaml/yaml_decode.h"

namespace vigil::scrape {
namespace {

struct ProtocolRow {
  ScrapeProtocol protocol;
  std::string_view name;
  std::string_view media_type;
  // Only the newer text formats take the escaping parameter.
  bool escaping;
};

constexpr ProtocolRow kProtocols[] = {
    {ScrapeProtocol::kPrometheusProto, "PrometheusProto",
     "application/vnd.google.protobuf;"
     "proto=io.prometheus.client.MetricFamily;encoding=delimited",
     false},
    {ScrapeProtocol::kOpenMetricsText1_0_0, "OpenMetricsText1.0.0",
     "application/openmetrics-text;version=1.0.0", true},
    {ScrapeProtocol::kOpenMetricsText0_0_1, "OpenMetricsText0.0.1",
     "application/openmetrics-text;version=0.0.1", false},
    {ScrapeProtocol::kPrometheusText1_0_0, "PrometheusText1.0.0",
     "text/plain;version=1.0.0", true},
    {ScrapeProtocol::kPrometheusText0_0_4, "PrometheusText0.0.4",
     "text/plain;version=0.0.4", false},
};
// Prometheus starts the weights at len(ScrapeProtocolsHeaders) + 1.
constexpr int kFirstWeight = static_cast<int>(std::size(kProtocols)) + 1;
// vigil accepts UTF-8 names (Prometheus 3's default escaping scheme).
constexpr std::string_view kEscaping = ";escaping=allow-utf-8";

const ProtocolRow& Row(ScrapeProtocol p) {
  for (const ProtocolRow& r : kProtocols) {
    if (r.protocol == p) return r;
  }
  return kProtocols[0];
}

}  // namespace

std::string_view ScrapeProtocolName(ScrapeProtocol protocol) {
  return Row(protocol).name;
}

std::vector<ScrapeProtocol> DefaultScrapeProtocols(bool native_histograms) {
  std::vector<ScrapeProtocol> out;
  if (native_histograms) out.push_back(ScrapeProtocol::kPrometheusProto);
  for (ScrapeProtocol p : {ScrapeProtocol::kOpenMetricsText1_0_0,
                           ScrapeProtocol::kOpenMetricsText0_0_1,
                           ScrapeProtocol::kPrometheusText1_0_0,
                           ScrapeProtocol::kPrometheusText0_0_4}) {
    out.push_back(p);
  }
  return out;
}

std::string AcceptHeader(const std::vector<ScrapeProtocol>& protocols) {
  std::string out;
  int weight = kFirstWeight;
  for (ScrapeProtocol p : protocols) {
    const ProtocolRow& r = Row(p);
    absl::StrAppend(&out, ToAbsl(r.media_type),
                    r.escaping ? ToAbsl(kEscaping) : "", ";q=0.", weight, ",");
    --weight;
  }
  absl::StrAppend(&out, "*/*;q=0.", weight);
  return out;
}

std::optional<ScrapeProtocol> ParseScrapeProtocol(std::string_view name) {
  for (const ProtocolRow& r : kProtocols) {
    if (r.name == name) return r.protocol;
  }
  return std::nullopt;
}

std::string UnknownProtocolMessage(std::string_view name) {
  std::vector<std::string_view> names;
  for (const ProtocolRow& r : kProtocols) names.push_back(r.name);
  std::sort(names.begin(), names.end());
  std::string out = Cat("unknown scrape protocol ", name, ", supported: [");
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&out, i ? " " : "", ToAbsl(names[i]));
  }
  return out + "]";
}

absl::StatusOr<std::vector<ScrapeProtocol>> DecodeScrapeProtocols(
    std::string_view file, const YAML::Node& node, std::string_view where) {
  auto names = yamlcfg::DecodeStringList(file, node, "[]config.ScrapeProtocol");
  if (!names.ok()) return names.status();
  if (names->empty()) {
    return yamlcfg::ErrorAt(file, node,
                            Cat("scrape_protocols cannot be empty ", where));
  }
  std::vector<ScrapeProtocol> out;
  std::vector<std::string> seen;
  for (const std::string& name : *names) {
    std::string lower = absl::AsciiStrToLower(name);
    if (std::find(seen.begin(), seen.end(), lower) != seen.end()) {
      std::string list;
      for (const std::string& n : *names) {
        absl::StrAppend(&list, list.empty() ? "" : " ", n);
      }
      return yamlcfg::ErrorAt(
          file, node,
          Cat("duplicated protocol in scrape_protocols, got [", list, "] ",
              where));
    }
    seen.push_back(std::move(lower));
    std::optional<ScrapeProtocol> p = ParseScrapeProtocol(name);
    if (!p) {
      return yamlcfg::ErrorAt(
          file, node,
          Cat("scrape_protocols: ", UnknownProtocolMessage(name), " ", where));
    }
    out.push_back(*p);
  }
  return out;
}

}  // namespace vigil::scrape
