#include "lib/rules/alert_template.h"

#include "lib/rules/template/template.h"

namespace vigil::rules {
namespace {

std::map<std::string, std::string> ToMap(const Labels* labels) {
  std::map<std::string, std::string> out;
  if (labels == nullptr) return out;
  for (const Label& l : *labels) out.emplace(l.name, l.value);
  return out;
}

}  // namespace

struct AlertTemplate::Impl {
  tmpl::Template parsed;
};

AlertTemplate::AlertTemplate(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
AlertTemplate::AlertTemplate(AlertTemplate&&) noexcept = default;
AlertTemplate& AlertTemplate::operator=(AlertTemplate&&) noexcept = default;
AlertTemplate::~AlertTemplate() = default;

absl::StatusOr<AlertTemplate> AlertTemplate::Compile(
    std::string_view alert_name, std::string_view text) {
  auto parsed =
      tmpl::Template::Parse("__alert_" + std::string(alert_name), text);
  if (!parsed.ok()) return parsed.status();
  return AlertTemplate(std::make_unique<Impl>(Impl{std::move(*parsed)}));
}

std::string AlertTemplate::Expand(const AlertTemplateData& data) const {
  tmpl::TemplateData td;
  td.labels = ToMap(data.labels);
  td.external_labels = ToMap(data.external_labels);
  td.external_url = data.external_url;
  td.value = data.value;
  tmpl::ExpandOptions options;
  options.timestamp_ms = data.ts_ms;
  if (data.query) {
    options.query = [&data](std::string_view q)
        -> absl::StatusOr<std::vector<tmpl::QuerySample>> {
      auto v = data.query(std::string(q));
      if (!v.ok()) return v.status();
      std::vector<tmpl::QuerySample> out;
      out.reserve(v->size());
      for (const promql::VectorSample& s : *v) {
        out.push_back({ToMap(&s.metric), s.v});
      }
      return out;
    };
  }
  return tmpl::ExpandForAlert(impl_->parsed, td, options);
}

}  // namespace vigil::rules
