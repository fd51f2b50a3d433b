// The function table a template can call: Go text/template's builtins and
// Prometheus's template functions (template/template.go). Each entry has
// Go's parameter types, so the executor can report Go's argument errors,
// and one small implementation.
#ifndef VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_FUNCS_H_
#define VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_FUNCS_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/rules/template/template.h"
#include "lib/rules/template/value.h"

namespace vigil::tmpl {

// A parameter's Go type, which decides how an argument is checked.
enum class Param {
  kAny,      // interface {}
  kReflect,  // reflect.Value (builtins such as eq, len, index)
  kString,   // string
  kSample,   // *template.sample
  kSamples,  // template.queryResult
};
std::string_view ParamTypeName(Param p);

struct CallContext {
  const TemplateData* data;
  const ExpandOptions* options;
};

// Returns the result, or an error the executor reports as
// `error calling NAME: <message>`.
using FuncImpl = absl::StatusOr<Value> (*)(const CallContext& ctx,
                                           std::vector<Value>& args);

struct FuncSpec {
  std::string_view name;
  std::vector<Param> params;
  bool variadic;  // the last parameter repeats
  FuncImpl impl;  // null for and/or, which the executor short-circuits
};

// The spec for `name`, or null when no such function exists.
const FuncSpec* FindFunc(std::string_view name);

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_FUNCS_H_
