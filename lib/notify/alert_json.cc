#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "vigil/notify.h"

namespace vigil::notify {
namespace {

// RFC 3339 with as many fractional digits as needed, as Go marshals
// time.Time.
std::string Rfc3339(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

nlohmann::json LabelObject(const Labels& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const Label& l : labels) out[l.name] = l.value;
  return out;
}

}  // namespace

std::string EncodeAlertsJson(const std::vector<NotifierAlert>& alerts) {
  nlohmann::json batch = nlohmann::json::array();
  for (const NotifierAlert& a : alerts) {
    nlohmann::json j;
    j["labels"] = LabelObject(a.labels);
    j["annotations"] = LabelObject(a.annotations);
    if (a.starts_at_ms != 0) j["startsAt"] = Rfc3339(a.starts_at_ms);
    if (a.ends_at_ms != 0) j["endsAt"] = Rfc3339(a.ends_at_ms);
    if (!a.generator_url.empty()) j["generatorURL"] = a.generator_url;
    batch.push_back(std::move(j));
  }
  // Invalid UTF-8 in a label must not throw: replace it.
  return batch.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vigil::notify
