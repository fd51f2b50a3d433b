// Go's text/template builtins (text/template/funcs.go): and, or, not, len,
// index, slice, print, printf, println, html, js, urlquery and the
// comparisons. and/or have no implementation here: the executor
// short-circuits them, as Go's does.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/model/absl_compat.h"
#include "lib/model/url_escape.h"
#include "lib/rules/template/go_format.h"
#include "lib/rules/template/template_funcs.h"

namespace vigil::tmpl {
namespace {

using Args = std::vector<Value>;
using Result = absl::StatusOr<Value>;

// ---- Go's text/template escapers ----------------------------------------

// text/template's evalArgs: a lone string as is, else fmt.Sprint with
// missing values shown as <no value>.
std::string EvalArgs(const Args& args) {
  if (args.size() == 1 && args[0].kind() == Kind::kString) return args[0].s();
  Args printable = args;
  for (Value& v : printable) {
    if (!v.valid()) v = Value::String("<no value>");
  }
  return GoSprint(printable);
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string JsEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '<':
        out += "\\u003C";
        break;
      case '>':
        out += "\\u003E";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '=':
        out += "\\u003D";
        break;
      default:
        if (u < ' ') {
          out += "\\u00";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 15]);
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

// ---- comparison builtins (text/template funcs.go) ----------------------

enum class BasicKind { kInvalid, kBool, kInt, kFloat, kString, kOther };

BasicKind BasicKindOf(const Value& v) {
  switch (v.kind()) {
    case Kind::kInvalid:
      return BasicKind::kInvalid;
    case Kind::kBool:
      return BasicKind::kBool;
    case Kind::kInt:
      return BasicKind::kInt;
    case Kind::kFloat:
      return BasicKind::kFloat;
    case Kind::kString:
    case Kind::kHtml:
      return BasicKind::kString;
    default:
      return BasicKind::kOther;
  }
}

constexpr std::string_view kBadComparisonType = "invalid type for comparison";
constexpr std::string_view kBadComparison = "incompatible types for comparison";

bool Comparable(const Value& v) {
  switch (v.kind()) {
    case Kind::kStringMap:
    case Kind::kAnyMap:
    case Kind::kSamples:
    case Kind::kData:
      return false;
    default:
      return true;
  }
}

absl::StatusOr<bool> Eq(const Args& args) {
  if (args.size() < 2) return FuncError("missing argument for comparison");
  const Value& a = args[0];
  BasicKind k1 = BasicKindOf(a);
  for (size_t i = 1; i < args.size(); ++i) {
    const Value& b = args[i];
    BasicKind k2 = BasicKindOf(b);
    bool truth = false;
    if (k1 != k2) {
      if (a.valid() && b.valid()) return FuncError(kBadComparison);
    } else {
      switch (k1) {
        case BasicKind::kBool:
          truth = a.b() == b.b();
          break;
        case BasicKind::kInt:
          truth = a.i() == b.i();
          break;
        case BasicKind::kFloat:
          truth = a.f() == b.f();
          break;
        case BasicKind::kString:
          truth = a.s() == b.s();
          break;
        case BasicKind::kInvalid:
          truth = true;  // nil == nil
          break;
        case BasicKind::kOther: {
          if (!Comparable(a) || !Comparable(b)) {
            const Value& bad = Comparable(a) ? b : a;
            return FuncError(Cat("non-comparable type ", GoValueString(bad),
                                 ": ", bad.TypeName()));
          }
          if (a.kind() != b.kind()) return FuncError(kBadComparison);
          // Pointers compare by identity; toTime and toDuration make a new
          // pointer on every call, so only samples can be identical.
          truth = a.kind() == Kind::kSample && &a.sample() == &b.sample();
          break;
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

absl::StatusOr<bool> Lt(const Value& a, const Value& b) {
  BasicKind k1 = BasicKindOf(a);
  BasicKind k2 = BasicKindOf(b);
  if (k1 == BasicKind::kInvalid || k1 == BasicKind::kOther ||
      k2 == BasicKind::kInvalid || k2 == BasicKind::kOther) {
    return FuncError(kBadComparisonType);
  }
  if (k1 != k2) return FuncError(kBadComparison);
  switch (k1) {
    case BasicKind::kInt:
      return a.i() < b.i();
    case BasicKind::kFloat:
      return a.f() < b.f();
    case BasicKind::kString:
      return a.s() < b.s();
    default:
      return FuncError(kBadComparisonType);
  }
}

Result FnEq(const CallContext&, Args& a) {
  absl::StatusOr<bool> r = Eq(a);
  if (!r.ok()) return r.status();
  return Value::Bool(*r);
}
Result FnNe(const CallContext&, Args& a) {
  absl::StatusOr<bool> r = Eq(a);
  if (!r.ok()) return r.status();
  return Value::Bool(!*r);
}
Result FnLt(const CallContext&, Args& a) {
  absl::StatusOr<bool> r = Lt(a[0], a[1]);
  if (!r.ok()) return r.status();
  return Value::Bool(*r);
}
Result FnLe(const CallContext&, Args& a) {
  absl::StatusOr<bool> lt = Lt(a[0], a[1]);
  if (!lt.ok()) return lt.status();
  if (*lt) return Value::Bool(true);
  absl::StatusOr<bool> eq = Eq(a);
  if (!eq.ok()) return eq.status();
  return Value::Bool(*eq);
}
Result FnGt(const CallContext& c, Args& a) {
  Result le = FnLe(c, a);
  if (!le.ok()) return le.status();
  return Value::Bool(!le->b());
}
Result FnGe(const CallContext&, Args& a) {
  absl::StatusOr<bool> lt = Lt(a[0], a[1]);
  if (!lt.ok()) return lt.status();
  return Value::Bool(!*lt);
}

// ---- other Go builtins ---------------------------------------------------

Result FnNot(const CallContext&, Args& a) { return Value::Bool(!a[0].Truth()); }

Result FnLen(const CallContext&, Args& a) {
  if (!a[0].valid()) {
    return FuncError("reflect: call of reflect.Value.Type on zero Value");
  }
  int64_t n = a[0].Length();
  if (n < 0) return FuncError(Cat("len of type ", a[0].TypeName()));
  return Value::Int(n);
}

absl::StatusOr<int64_t> IndexArg(const Value& index, int64_t cap) {
  if (!index.valid()) return FuncError("cannot index slice/array with nil");
  if (index.kind() != Kind::kInt) {
    return FuncError(
        Cat("cannot index slice/array with type ", index.TypeName()));
  }
  if (index.i() < 0 || index.i() > cap) {
    return FuncError(Cat("index out of range: ", index.i()));
  }
  return index.i();
}

Result FnIndex(const CallContext&, Args& a) {
  Value item = a[0];
  if (!item.valid()) return FuncError("index of untyped nil");
  for (size_t k = 1; k < a.size(); ++k) {
    const Value& index = a[k];
    switch (item.kind()) {
      case Kind::kSamples:
      case Kind::kString: {
        int64_t len = item.Length();
        absl::StatusOr<int64_t> x = IndexArg(index, len);
        if (!x.ok()) return x.status();
        if (*x == len) {
          return FuncError(item.kind() == Kind::kString
                               ? "reflect: string index out of range"
                               : "reflect: slice index out of range");
        }
        if (item.kind() == Kind::kString) {
          item = Value::Int(static_cast<unsigned char>(item.s()[*x]));
        } else {
          item = Value::Sample(item.samples()[*x]);
        }
        break;
      }
      case Kind::kStringMap:
      case Kind::kAnyMap: {
        if (!index.valid()) {
          return FuncError("value is nil; should be of type string");
        }
        if (index.kind() != Kind::kString) {
          return FuncError(
              Cat("value has type ", index.TypeName(), "; should be string"));
        }
        if (item.kind() == Kind::kStringMap) {
          auto it = item.string_map().find(index.s());
          item = Value::String(it == item.string_map().end() ? "" : it->second);
        } else {
          auto it = item.any_map().entries.find(index.s());
          item = it == item.any_map().entries.end() ? Value() : it->second;
        }
        break;
      }
      case Kind::kInvalid:
        return FuncError("index of nil pointer");
      default:
        return FuncError(Cat("can't index item of type ", item.TypeName()));
    }
  }
  return item;
}

Result FnSlice(const CallContext&, Args& a) {
  const Value& item = a[0];
  if (!item.valid()) return FuncError("slice of untyped nil");
  size_t n = a.size() - 1;
  if (n > 3) return FuncError(Cat("too many slice indexes: ", n));
  if (item.kind() != Kind::kString && item.kind() != Kind::kSamples) {
    return FuncError(Cat("can't slice item of type ", item.TypeName()));
  }
  if (item.kind() == Kind::kString && n == 3) {
    return FuncError("cannot 3-index slice a string");
  }
  int64_t len = item.Length();
  int64_t idx[3] = {0, len, len};
  for (size_t k = 0; k < n; ++k) {
    absl::StatusOr<int64_t> x = IndexArg(a[k + 1], len);
    if (!x.ok()) return x.status();
    idx[k] = *x;
  }
  if (idx[0] > idx[1]) {
    return FuncError(Cat("invalid slice index: ", idx[0], " > ", idx[1]));
  }
  if (n == 3 && idx[1] > idx[2]) {
    return FuncError(Cat("invalid slice index: ", idx[1], " > ", idx[2]));
  }
  if (item.kind() == Kind::kString) {
    return Value::String(item.s().substr(idx[0], idx[1] - idx[0]));
  }
  auto out = std::make_shared<SampleList>(item.samples().begin() + idx[0],
                                          item.samples().begin() + idx[1]);
  return Value::Samples(std::move(out));
}

Result FnPrint(const CallContext&, Args& a) {
  return Value::String(GoSprint(a));
}
Result FnPrintf(const CallContext&, Args& a) {
  std::vector<Value> rest(a.begin() + 1, a.end());
  return Value::String(GoSprintf(a[0].s(), rest));
}
Result FnPrintln(const CallContext&, Args& a) {
  return Value::String(GoSprintln(a));
}
Result FnHtml(const CallContext&, Args& a) {
  return Value::String(HtmlEscape(EvalArgs(a)));
}
Result FnJs(const CallContext&, Args& a) {
  return Value::String(JsEscape(EvalArgs(a)));
}
Result FnUrlquery(const CallContext&, Args& a) {
  return Value::String(QueryEscape(EvalArgs(a)));
}

using P = Param;

}  // namespace

const FuncTable& BuiltinFuncs() {
  static const FuncTable* const kTable = new FuncTable(MakeFuncTable({
      {"and", {P::kReflect, P::kReflect}, true, nullptr},
      {"or", {P::kReflect, P::kReflect}, true, nullptr},
      {"not", {P::kReflect}, false, FnNot},
      {"len", {P::kReflect}, false, FnLen},
      {"index", {P::kReflect, P::kReflect}, true, FnIndex},
      {"slice", {P::kReflect, P::kReflect}, true, FnSlice},
      {"print", {P::kAny}, true, FnPrint},
      {"printf", {P::kString, P::kAny}, true, FnPrintf},
      {"println", {P::kAny}, true, FnPrintln},
      {"html", {P::kAny}, true, FnHtml},
      {"js", {P::kAny}, true, FnJs},
      {"urlquery", {P::kAny}, true, FnUrlquery},
      {"eq", {P::kReflect, P::kReflect}, true, FnEq},
      {"ne", {P::kReflect, P::kReflect}, false, FnNe},
      {"lt", {P::kReflect, P::kReflect}, false, FnLt},
      {"le", {P::kReflect, P::kReflect}, false, FnLe},
      {"gt", {P::kReflect, P::kReflect}, false, FnGt},
      {"ge", {P::kReflect, P::kReflect}, false, FnGe},
  }));
  return *kTable;
}

}  // namespace vigil::tmpl
