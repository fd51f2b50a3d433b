// Label and annotation templates of alerting rules: compiled once when the
// rule is created, expanded for every alert at every evaluation with the
// variables Prometheus defines ($labels, $value, $externalLabels,
// $externalURL). Internal to lib/rules.
#ifndef VIGIL_LIB_RULES_ALERT_TEMPLATE_H_
#define VIGIL_LIB_RULES_ALERT_TEMPLATE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "vigil/labels.h"
#include "vigil/promql/engine.h"

namespace vigil::rules {

struct AlertTemplateData {
  const Labels* labels = nullptr;  // the alert's sample labels
  double value = 0;
  const Labels* external_labels = nullptr;
  std::string external_url;
  int64_t ts_ms = 0;
  // Backs the `query` template function.
  std::function<absl::StatusOr<promql::Vector>(const std::string&)> query;
};

class AlertTemplate {
 public:
  // Template errors read as Prometheus's: "template: __alert_X:1: …".
  static absl::StatusOr<AlertTemplate> Compile(std::string_view alert_name,
                                               std::string_view text);
  // The expansion, or Prometheus's "<error expanding template: …>".
  std::string Expand(const AlertTemplateData& data) const;

  AlertTemplate(AlertTemplate&&) noexcept;
  AlertTemplate& operator=(AlertTemplate&&) noexcept;
  ~AlertTemplate();

 private:
  struct Impl;
  explicit AlertTemplate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::rules

#endif  // VIGIL_LIB_RULES_ALERT_TEMPLATE_H_
