// The functions a template can call, in two tables as upstream keeps them:
// Go text/template's builtins (text/template/funcs.go) and Prometheus's
// template functions (template/template.go). Each entry has Go's parameter
// types, so the executor can report Go's argument errors, and one small
// implementation.
#ifndef VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_FUNCS_H_
#define VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_FUNCS_H_

#include <initializer_list>
#include <map>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/rules/template/exec_budget.h"
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
  ExecBudget* budget;  // the execution's; functions that loop check it
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

using FuncTable = std::map<std::string_view, FuncSpec>;
// Keys `specs` by their names (which the specs own, so the keys live as long
// as the table).
FuncTable MakeFuncTable(std::initializer_list<FuncSpec> specs);
// A function's own failure, as Go's functions return an error value.
absl::Status FuncError(std::string_view message);
// Go's text/template builtins (funcs.go), in builtin_funcs.cc.
const FuncTable& BuiltinFuncs();
// Prometheus's template functions (template/template.go), in
// prometheus_funcs.cc.
const FuncTable& PrometheusFuncs();

// The spec for `name` in either table, or null when no such function
// exists.
const FuncSpec* FindFunc(std::string_view name);

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_FUNCS_H_
