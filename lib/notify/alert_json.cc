#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "lib/model/url_escape.h"
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

std::vector<NotifierAlert> FromRuleAlerts(
    const std::string& expr, const std::vector<rules::Alert>& alerts,
    const std::string& external_url) {
  // strutil.TableLinkForExpression.
  const std::string generator_url =
      external_url + "/graph?g0.expr=" + QueryEscape(expr) + "&g0.tab=1";
  std::vector<NotifierAlert> out;
  out.reserve(alerts.size());
  for (const rules::Alert& a : alerts) {
    NotifierAlert n;
    n.labels = a.labels;
    n.annotations = Labels::FromVector(a.annotations);
    n.starts_at_ms = a.fired_at_ms;
    n.ends_at_ms = a.resolved_at_ms != 0 ? a.resolved_at_ms : a.valid_until_ms;
    n.generator_url = generator_url;
    out.push_back(std::move(n));
  }
  return out;
}

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
