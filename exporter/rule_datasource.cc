#include "exporter/rule_datasource.h"

#include <string>

#include "exporter/log.h"

namespace vigil::exporter {

void RuleQuerySource::SetClient(
    std::shared_ptr<const datasource::Client> client) {
  std::lock_guard lock(mu_);
  client_ = std::move(client);
}

std::shared_ptr<const datasource::Client> RuleQuerySource::client() const {
  std::lock_guard lock(mu_);
  return client_;
}

rules::QueryFunc RuleQuerySource::QueryFunc() const {
  return [this](std::string_view text, const promql::Expr& expr,
                int64_t t) -> absl::StatusOr<promql::QueryResult> {
    std::shared_ptr<const datasource::Client> client = this->client();
    if (client == nullptr) return engine_->Evaluate(*storage_, expr, t, t, 0);
    auto result = client->Query(text, t);
    if (!result.ok()) return result.status();
    for (const std::string& w : result->warnings) {
      Log(LogLevel::kWarn, "Datasource returned a warning",
          {{"query", std::string(text)}, {"warning", w}});
    }
    if (auto* v = std::get_if<promql::Vector>(&result->value)) {
      for (promql::VectorSample& s : *v) s.t = t;
    } else if (auto* s = std::get_if<promql::Scalar>(&result->value)) {
      s->t = t;
    }
    return result;
  };
}

rules::LastSampleReader RuleQuerySource::ForStateReader() const {
  return [this](const Matchers& matchers, int64_t mint,
                int64_t maxt) -> absl::StatusOr<promql::Vector> {
    std::shared_ptr<const datasource::Client> client = this->client();
    if (client == nullptr) return promql::Vector();
    return client->LastSamples(matchers, mint, maxt);
  };
}

}  // namespace vigil::exporter
