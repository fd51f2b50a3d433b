// Executes a parsed template against alert data (text/template/exec.go
// semantics with Prometheus's option missingkey=zero).
#ifndef VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_EXEC_H_
#define VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_EXEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/rules/template/template.h"
#include "lib/rules/template/template_parser.h"

namespace vigil::tmpl {

// Errors read `template: NAME:LINE:COL: executing "NAME" at <ctx>: msg`.
absl::StatusOr<std::string> ExecuteTemplate(const internal::ParsedTemplate& t,
                                            const TemplateData& data,
                                            const ExpandOptions& options);

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_EXEC_H_
