#include "lib/rules/template/template_funcs.h"

#include "lib/model/absl_compat.h"

namespace vigil::tmpl {

FuncTable MakeFuncTable(std::initializer_list<FuncSpec> specs) {
  FuncTable table;
  for (const FuncSpec& s : specs) table.emplace(s.name, s);
  return table;
}

absl::Status FuncError(std::string_view message) {
  return absl::InvalidArgumentError(ToAbsl(message));
}

std::string_view ParamTypeName(Param p) {
  switch (p) {
    case Param::kAny:
      return "interface {}";
    case Param::kReflect:
      return "reflect.Value";
    case Param::kString:
      return "string";
    case Param::kSample:
      return "*template.sample";
    case Param::kSamples:
      return "template.queryResult";
  }
  return "";
}

const FuncSpec* FindFunc(std::string_view name) {
  // Go's findFunction looks in the template's FuncMap before the builtins;
  // the two tables share no name, so the order only mirrors Go's.
  for (const FuncTable* table : {&PrometheusFuncs(), &BuiltinFuncs()}) {
    auto it = table->find(name);
    if (it != table->end()) return &it->second;
  }
  return nullptr;
}

}  // namespace vigil::tmpl
