#include "lib/rules/template/template.h"

#include "lib/model/absl_compat.h"
#include "lib/rules/template/template_exec.h"
#include "lib/rules/template/template_funcs.h"
#include "lib/rules/template/template_parser.h"

namespace vigil::tmpl {
namespace {

bool HasFunction(std::string_view name) { return FindFunc(name) != nullptr; }

}  // namespace

absl::StatusOr<Template> Template::Parse(std::string_view name,
                                         std::string_view text) {
  return ParseRaw(name, Cat(kAlertDefs, text));
}

absl::StatusOr<Template> Template::ParseRaw(std::string_view name,
                                            std::string_view text) {
  auto parsed = ParseTemplate(name, text, HasFunction);
  if (!parsed.ok()) return parsed.status();
  return Template(*std::move(parsed));
}

absl::StatusOr<std::string> Template::Execute(
    const TemplateData& data, const ExpandOptions& options) const {
  return ExecuteTemplate(*impl_, data, options);
}

const std::string& Template::name() const { return impl_->name; }

// rules/alerting.go: fmt.Sprintf("<error expanding template: %s>", err), with
// err wrapped by template.Expander.Expand.
std::string ExpandForAlert(std::string_view name, std::string_view text,
                           const TemplateData& data,
                           const ExpandOptions& options) {
  absl::StatusOr<Template> t = Template::Parse(name, text);
  if (!t.ok()) {
    return Cat("<error expanding template: error parsing template ", name, ": ",
               t.status().message(), ">");
  }
  return ExpandForAlert(*t, data, options);
}

std::string ExpandForAlert(const Template& tmpl, const TemplateData& data,
                           const ExpandOptions& options) {
  absl::StatusOr<std::string> out = tmpl.Execute(data, options);
  if (!out.ok()) {
    return Cat("<error expanding template: error executing template ",
               tmpl.name(), ": ", out.status().message(), ">");
  }
  return *std::move(out);
}

}  // namespace vigil::tmpl
