#include "lib/rules/template/template_exec.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/rules/template/exec_budget.h"
#include "lib/rules/template/go_format.h"
#include "lib/rules/template/template_funcs.h"
#include "lib/rules/template/value.h"

namespace vigil::tmpl {
namespace {

// Go's executor reports errors, {{break}} and {{continue}} by panicking
// and recovering; these exceptions play those roles and never leave this
// file.
struct ExecError {
  std::string message;
};
struct BreakSignal {};
struct ContinueSignal {};

using NodeList = std::vector<std::unique_ptr<Node>>;

bool IsHexInt(std::string_view s) {
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
         s.find_first_of("pP") == std::string_view::npos;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

class State {
 public:
  State(const internal::ParsedTemplate& t, const CallContext& ctx)
      : t_(t), ctx_(ctx), budget_(*ctx.budget) {}

  std::string Run(const Value& dot) {
    tmpl_name_ = t_.name;
    auto it = t_.trees.find(t_.name);
    if (it == t_.trees.end()) {
      Errorf(Cat(QuoteString(t_.name), " is an incomplete or empty template"));
    }
    vars_ = {{"$", dot}};
    Walk(dot, *it->second);
    return std::move(out_);
  }

 private:
  struct Variable {
    std::string name;
    Value value;
  };

  [[noreturn]] void Errorf(std::string_view msg) {
    if (node_ == nullptr) {
      throw ExecError{Cat("template: ", tmpl_name_, ": ", msg)};
    }
    // text/template's ErrorContext: 1-based line, byte offset in the line
    // (0-based after a newline, the absolute offset on the first line).
    std::string_view before = std::string_view(t_.text).substr(0, node_->pos);
    size_t nl = before.rfind('\n');
    size_t col =
        nl == std::string_view::npos ? node_->pos : node_->pos - nl - 1;
    int line =
        1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    std::string context = node_->String();
    size_t runes = 0;
    for (size_t i = 0; i < context.size(); ++i) {
      if ((static_cast<unsigned char>(context[i]) & 0xC0) != 0x80) {
        if (runes == 20) {
          context = context.substr(0, i) + "...";
          break;
        }
        ++runes;
      }
    }
    throw ExecError{Cat("template: ", t_.name, ":", line, ":", col,
                        ": executing ", QuoteString(tmpl_name_), " at <",
                        context, ">: ", msg)};
  }

  void At(const Node& n) { node_ = &n; }

  void Write(std::string_view s) {
    out_.append(s);
    CheckOutput();
  }
  void CheckOutput() {
    if (out_.size() > kMaxOutputBytes) {
      Errorf(Cat("template output exceeds the maximum of ", kMaxOutputBytes,
                 " bytes"));
    }
  }

  // ---- variables ----

  Value VarValue(const std::string& name) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->name == name) return it->value;
    }
    Errorf(Cat("undefined variable: ", name));
  }
  void SetVar(const std::string& name, const Value& v) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->name == name) {
        it->value = v;
        return;
      }
    }
    Errorf(Cat("undefined variable: ", name));
  }

  // ---- walking ----

  // Holds one level of kMaxExecNesting while a body is walked.
  class Nesting {
   public:
    explicit Nesting(State& s) : s_(s) {
      if (++s_.nesting_ > kMaxExecNesting) {
        --s_.nesting_;
        s_.Errorf(
            Cat("exceeded maximum nesting depth (", kMaxExecNesting, ")"));
      }
    }
    ~Nesting() { --s_.nesting_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    State& s_;
  };

  void CheckTime() {
    if (absl::Status st = budget_.CheckTime(); !st.ok()) {
      Errorf(FromAbsl(st.message()));
    }
  }

  void Walk(const Value& dot, const Node& node) {
    At(node);
    CheckTime();
    switch (node.type) {
      case NodeType::kAction: {
        Value v = EvalPipeline(dot, *node.pipe);
        if (node.pipe->decl.empty()) {
          At(node);
          AppendGoValue(out_, v, true);
          CheckOutput();
        }
        return;
      }
      case NodeType::kBreak:
        throw BreakSignal{};
      case NodeType::kContinue:
        throw ContinueSignal{};
      case NodeType::kIf:
      case NodeType::kWith: {
        Nesting nesting(*this);
        size_t mark = vars_.size();
        Value v = EvalPipeline(dot, *node.pipe);
        if (v.Truth()) {
          Walk(node.type == NodeType::kWith ? v : dot, *node.list);
        } else if (node.else_list != nullptr) {
          Walk(dot, *node.else_list);
        }
        vars_.resize(mark);
        return;
      }
      case NodeType::kList:
        for (const auto& c : node.nodes) Walk(dot, *c);
        return;
      case NodeType::kRange: {
        Nesting nesting(*this);
        WalkRange(dot, node);
        return;
      }
      case NodeType::kTemplate: {
        Nesting nesting(*this);
        WalkTemplate(dot, node);
        return;
      }
      case NodeType::kText:
        Write(node.text);
        return;
      default:
        Errorf(Cat("unknown node: ", node.String()));
    }
  }

  void WalkRange(const Value& dot, const Node& r) {
    At(r);
    size_t outer = vars_.size();
    Value val = EvalPipeline(dot, *r.pipe);
    size_t mark = vars_.size();
    const auto& decl = r.pipe->decl;
    bool stopped = false;
    auto one = [&](const Value& index, const Value& elem) {
      if (stopped) return;
      if (++iterations_ > kMaxRangeIterations) {
        At(r);
        Errorf(Cat("range iterations exceed the maximum of ",
                   kMaxRangeIterations));
      }
      // The pipeline pushed the declared variables; the element goes to
      // the last one and the index to the first of two.
      if (!decl.empty()) {
        if (r.pipe->is_assign) {
          SetVar(decl[0]->idents[0], decl.size() > 1 ? index : elem);
        } else {
          vars_[vars_.size() - 1].value = elem;
        }
      }
      if (decl.size() > 1) {
        if (r.pipe->is_assign) {
          SetVar(decl[1]->idents[0], elem);
        } else {
          vars_[vars_.size() - 2].value = index;
        }
      }
      try {
        Walk(elem, *r.list);
      } catch (const ContinueSignal&) {
      } catch (const BreakSignal&) {
        stopped = true;
      }
      vars_.resize(mark);
    };
    bool ran = false;
    switch (val.kind()) {
      case Kind::kSamples: {
        const SampleList& list = val.samples();
        for (size_t i = 0; i < list.size(); ++i) {
          one(Value::Int(static_cast<int64_t>(i)), Value::Sample(list[i]));
        }
        ran = !list.empty();
        break;
      }
      case Kind::kStringMap:
        for (const auto& [k, v] : val.string_map()) {
          one(Value::String(k), Value::String(v));
        }
        ran = !val.string_map().empty();
        break;
      case Kind::kAnyMap:
        for (const auto& [k, v] : val.any_map().entries) {
          one(Value::String(k), v);
        }
        ran = !val.any_map().entries.empty();
        break;
      case Kind::kInt:
        // Go 1.22+: range over an integer yields 0..n-1.
        if (decl.size() > 1) {
          Errorf(Cat("can't use ", GoValueString(val),
                     " to iterate over more than one variable"));
        }
        for (int64_t i = 0; i < val.i(); ++i) one(Value(), Value::Int(i));
        ran = val.i() > 0;
        break;
      case Kind::kInvalid:
        break;  // a nil collection: not an error, as in Go
      default:
        Errorf(Cat("range can't iterate over ", GoValueString(val)));
    }
    if (!ran && r.else_list != nullptr) Walk(dot, *r.else_list);
    vars_.resize(outer);
  }

  void WalkTemplate(const Value& dot, const Node& t) {
    At(t);
    auto it = t_.trees.find(t.text);
    if (it == t_.trees.end()) {
      Errorf(Cat("template ", QuoteString(t.text), " not defined"));
    }
    if (depth_ >= kMaxExecDepth) {
      Errorf(Cat("exceeded maximum template depth (", kMaxExecDepth, ")"));
    }
    Value new_dot = t.pipe != nullptr ? EvalPipeline(dot, *t.pipe) : Value();
    // No dynamic scoping: the invoked template sees only $ = its dot.
    std::vector<Variable> saved_vars = std::move(vars_);
    std::string saved_name = std::move(tmpl_name_);
    vars_ = {{"$", new_dot}};
    tmpl_name_ = t.text;
    ++depth_;
    Walk(new_dot, *it->second);
    --depth_;
    vars_ = std::move(saved_vars);
    tmpl_name_ = std::move(saved_name);
  }

  // ---- evaluation ----

  Value EvalPipeline(const Value& dot, const Node& pipe) {
    At(pipe);
    Value value;
    bool have = false;
    for (const auto& cmd : pipe.nodes) {
      Value final_value = value;
      value = EvalCommand(dot, *cmd, have ? &final_value : nullptr);
      have = true;
    }
    for (const auto& v : pipe.decl) {
      if (pipe.is_assign) {
        SetVar(v->idents[0], value);
      } else {
        vars_.push_back({v->idents[0], value});
      }
    }
    return value;
  }

  void NotAFunction(const Node& first, size_t nargs, const Value* final) {
    if (nargs > 1 || final != nullptr) {
      Errorf(Cat("can't give argument to non-function ", first.String()));
    }
  }

  Value EvalCommand(const Value& dot, const Node& cmd, const Value* final) {
    const Node& first = *cmd.nodes[0];
    size_t nargs = cmd.nodes.size();
    switch (first.type) {
      case NodeType::kField:
        return EvalFieldNode(dot, first, nargs, final);
      case NodeType::kChain:
        return EvalChainNode(dot, first, nargs, final);
      case NodeType::kIdentifier:
        return EvalFunction(dot, first, cmd, &cmd.nodes, final);
      case NodeType::kPipe:
        NotAFunction(first, nargs, final);
        return EvalPipeline(dot, first);
      case NodeType::kVariable:
        return EvalVariableNode(dot, first, nargs, final);
      default:
        break;
    }
    At(first);
    NotAFunction(first, nargs, final);
    switch (first.type) {
      case NodeType::kBool:
        return Value::Bool(first.bool_val);
      case NodeType::kDot:
        return dot;
      case NodeType::kNil:
        Errorf("nil is not a command");
      case NodeType::kNumber:
        return IdealConstant(first);
      case NodeType::kString:
        return Value::String(first.text);
      default:
        Errorf(Cat("can't evaluate command ", QuoteString(first.String())));
    }
  }

  Value IdealConstant(const Node& n) {
    At(n);
    if (n.is_float && !IsHexInt(n.text) && n.text[0] != '\'' &&
        n.text.find_first_of(".eEpP") != std::string::npos) {
      return Value::Float(n.float_val);
    }
    if (n.is_int) return Value::Int(n.int_val);
    if (n.is_uint) Errorf(Cat(n.text, " overflows int"));
    return Value();
  }

  Value EvalFieldNode(const Value& dot, const Node& field, size_t nargs,
                      const Value* final) {
    At(field);
    return EvalFieldChain(dot, dot, field, field.idents, 0, nargs, final);
  }

  Value EvalChainNode(const Value& dot, const Node& chain, size_t nargs,
                      const Value* final) {
    At(chain);
    if (chain.pipe->type == NodeType::kNil) {
      Errorf(Cat("indirection through explicit nil in ", chain.String()));
    }
    Value base = EvalUntyped(dot, *chain.pipe);
    return EvalFieldChain(dot, base, chain, chain.idents, 0, nargs, final);
  }

  Value EvalVariableNode(const Value& dot, const Node& var, size_t nargs,
                         const Value* final) {
    At(var);
    Value value = VarValue(var.idents[0]);
    if (var.idents.size() == 1) {
      NotAFunction(var, nargs, final);
      return value;
    }
    return EvalFieldChain(dot, value, var, var.idents, 1, nargs, final);
  }

  Value EvalFieldChain(const Value& dot, Value receiver, const Node& node,
                       const std::vector<std::string>& idents, size_t from,
                       size_t nargs, const Value* final) {
    for (size_t i = from; i + 1 < idents.size(); ++i) {
      receiver = EvalField(dot, idents[i], node, 0, nullptr, receiver);
    }
    return EvalField(dot, idents.back(), node, nargs, final, receiver);
  }

  Value EvalField(const Value&, const std::string& name, const Node& node,
                  size_t nargs, const Value* final, const Value& receiver) {
    // missingkey=zero: a field of a missing value is the zero value.
    if (!receiver.valid()) return Value();
    bool has_args = nargs > 1 || final != nullptr;
    auto field = [&](Value v) {
      if (has_args) {
        Errorf(Cat(name, " has arguments but cannot be invoked as function"));
      }
      return v;
    };
    switch (receiver.kind()) {
      case Kind::kData: {
        const auto& data = receiver.data();
        // The maps alias the shared data: no copy per access.
        if (name == "Labels") {
          return field(Value::Map(std::shared_ptr<const StringMap>(
              receiver.data_ptr(), &data.labels)));
        }
        if (name == "ExternalLabels") {
          return field(Value::Map(std::shared_ptr<const StringMap>(
              receiver.data_ptr(), &data.external_labels)));
        }
        if (name == "ExternalURL")
          return field(Value::String(data.external_url));
        if (name == "Value") {
          if (const double* f = std::get_if<double>(&data.value)) {
            return field(Value::Float(*f));
          }
          return field(Value::String(std::get<std::string>(data.value)));
        }
        break;
      }
      case Kind::kSample: {
        const QuerySample& s = receiver.sample();
        if (name == "Labels") {
          return field(Value::Map(std::make_shared<StringMap>(s.labels)));
        }
        if (name == "Value") return field(Value::Float(s.value));
        break;
      }
      case Kind::kStringMap: {
        if (has_args) {
          Errorf(Cat(name, " is not a method but has arguments"));
        }
        auto it = receiver.string_map().find(name);
        return Value::String(it == receiver.string_map().end() ? ""
                                                               : it->second);
      }
      case Kind::kAnyMap: {
        if (has_args) {
          Errorf(Cat(name, " is not a method but has arguments"));
        }
        auto it = receiver.any_map().entries.find(name);
        return it == receiver.any_map().entries.end() ? Value() : it->second;
      }
      case Kind::kTime:
      case Kind::kDuration: {
        Value result;
        if (Method(receiver, name, result)) {
          size_t extra = (nargs > 0 ? nargs - 1 : 0) + (final ? 1 : 0);
          if (extra != 0) {
            Errorf(
                Cat("wrong number of args for ", name, ": want 0 got ", extra));
          }
          return result;
        }
        break;
      }
      default:
        break;
    }
    At(node);
    Errorf(
        Cat("can't evaluate field ", name, " in type ", receiver.TypeName()));
  }

  // The argument-less methods of time.Time and time.Duration that
  // templates use.
  static bool Method(const Value& r, std::string_view name, Value& out) {
    int64_t x = r.i();
    if (name == "String") {
      out = Value::String(GoValueString(r));
      return true;
    }
    if (r.kind() == Kind::kTime) {
      if (name == "Unix") out = Value::Int(FloorDiv(x, 1000));
      if (name == "UnixMilli") out = Value::Int(x);
      return out.valid();
    }
    constexpr int64_t kSecond = 1000000000;
    if (name == "Seconds") {
      out = Value::Float(static_cast<double>(x / kSecond) +
                         static_cast<double>(x % kSecond) / 1e9);
    } else if (name == "Minutes") {
      out = Value::Float(static_cast<double>(x / (60 * kSecond)) +
                         static_cast<double>(x % (60 * kSecond)) / (60 * 1e9));
    } else if (name == "Hours") {
      out = Value::Float(static_cast<double>(x / (3600 * kSecond)) +
                         static_cast<double>(x % (3600 * kSecond)) /
                             (3600 * 1e9));
    } else if (name == "Milliseconds") {
      out = Value::Int(x / 1000000);
    } else if (name == "Nanoseconds") {
      out = Value::Int(x);
    }
    return out.valid();
  }

  Value EvalFunction(const Value& dot, const Node& ident, const Node& cmd,
                     const NodeList* args, const Value* final) {
    At(ident);
    const FuncSpec* spec = FindFunc(ident.text);
    if (spec == nullptr) {
      Errorf(Cat(QuoteString(ident.text), " is not a defined function"));
    }
    return EvalCall(dot, *spec, cmd, args, final);
  }

  Value EvalCall(const Value& dot, const FuncSpec& spec, const Node& cmd,
                 const NodeList* args, const Value* final) {
    size_t nargs = args != nullptr ? args->size() - 1 : 0;
    size_t num_in = nargs + (final != nullptr ? 1 : 0);
    size_t nparams = spec.params.size();
    if (spec.variadic) {
      if (num_in < nparams - 1) {
        Errorf(Cat("wrong number of args for ", spec.name, ": want at least ",
                   nparams - 1, " got ", nargs));
      }
    } else if (num_in != nparams) {
      Errorf(Cat("wrong number of args for ", spec.name, ": want ", nparams,
                 " got ", num_in));
    }
    auto param = [&](size_t i) {
      return spec.params[std::min(i, nparams - 1)];
    };
    if (spec.impl == nullptr) {
      // and/or short-circuit and return the deciding operand.
      bool is_or = spec.name == "or";
      Value v;
      for (size_t i = 0; i < nargs; ++i) {
        v = EvalArg(dot, Param::kReflect, *(*args)[i + 1]);
        if (v.Truth() == is_or) return v;
      }
      if (final != nullptr) v = *final;
      return v;
    }
    std::vector<Value> argv;
    argv.reserve(num_in);
    for (size_t i = 0; i < nargs; ++i) {
      argv.push_back(EvalArg(dot, param(i), *(*args)[i + 1]));
    }
    if (final != nullptr)
      argv.push_back(ValidateType(*final, param(num_in - 1)));
    CheckTime();
    absl::StatusOr<Value> result = spec.impl(ctx_, argv);
    if (!result.ok()) {
      At(cmd);
      Errorf(Cat("error calling ", spec.name, ": ", result.status().message()));
    }
    // Strings that never reach the output (a variable doubled in a loop)
    // are held to the output's limit too.
    if ((result->kind() == Kind::kString || result->kind() == Kind::kHtml) &&
        result->s().size() > kMaxOutputBytes) {
      At(cmd);
      Errorf(Cat("error calling ", spec.name,
                 ": result exceeds the maximum of ", kMaxOutputBytes,
                 " bytes"));
    }
    return *std::move(result);
  }

  Value ValidateType(const Value& v, Param p) {
    switch (p) {
      case Param::kAny:
      case Param::kReflect:
        return v;
      case Param::kString:
        if (v.kind() == Kind::kString) return v;
        if (!v.valid()) Errorf("invalid value; expected string");
        break;
      case Param::kSample:
        if (v.kind() == Kind::kSample || !v.valid()) return v;
        break;
      case Param::kSamples:
        if (v.kind() == Kind::kSamples || !v.valid()) return v;
        break;
    }
    Errorf(Cat("wrong type for value; expected ", ParamTypeName(p), "; got ",
               v.TypeName()));
  }

  // An operand evaluated with no parameter type (chain bases).
  Value EvalUntyped(const Value& dot, const Node& n) {
    switch (n.type) {
      case NodeType::kPipe:
        return EvalPipeline(dot, n);
      default:
        return EvalArg(dot, Param::kAny, n);
    }
  }

  Value EvalArg(const Value& dot, Param p, const Node& n) {
    At(n);
    switch (n.type) {
      case NodeType::kDot:
        return ValidateType(dot, p);
      case NodeType::kNil:
        if (p == Param::kAny || p == Param::kSample || p == Param::kSamples) {
          return Value();
        }
        Errorf(Cat("cannot assign nil to ", ParamTypeName(p)));
      case NodeType::kField:
        return ValidateType(EvalFieldNode(dot, n, 1, nullptr), p);
      case NodeType::kVariable:
        return ValidateType(EvalVariableNode(dot, n, 0, nullptr), p);
      case NodeType::kPipe:
        return ValidateType(EvalPipeline(dot, n), p);
      case NodeType::kIdentifier:
        return ValidateType(EvalFunction(dot, n, n, nullptr, nullptr), p);
      case NodeType::kChain:
        return ValidateType(EvalChainNode(dot, n, 0, nullptr), p);
      default:
        break;
    }
    switch (p) {
      case Param::kString:
        if (n.type == NodeType::kString) return Value::String(n.text);
        Errorf(Cat("expected string; found ", n.String()));
      case Param::kAny:
      case Param::kReflect:
        if (n.type == NodeType::kBool) return Value::Bool(n.bool_val);
        if (n.type == NodeType::kNumber) return IdealConstant(n);
        if (n.type == NodeType::kString) return Value::String(n.text);
        break;
      default:
        break;
    }
    Errorf(Cat("can't handle ", n.String(), " for arg of type ",
               ParamTypeName(p)));
  }

  const internal::ParsedTemplate& t_;
  CallContext ctx_;
  ExecBudget& budget_;
  std::string tmpl_name_;
  std::vector<Variable> vars_;
  const Node* node_ = nullptr;
  std::string out_;
  int depth_ = 0;
  int nesting_ = 0;
  int64_t iterations_ = 0;
};

}  // namespace

absl::StatusOr<std::string> ExecuteTemplate(const internal::ParsedTemplate& t,
                                            const TemplateData& data,
                                            const ExpandOptions& options) {
  auto shared = std::make_shared<const TemplateData>(data);
  ExecBudget budget(options);
  CallContext ctx{shared.get(), &options, &budget};
  State state(t, ctx);
  try {
    return state.Run(Value::Data(shared));
  } catch (const ExecError& e) {
    return absl::InvalidArgumentError(e.message);
  } catch (const BreakSignal&) {
    return absl::InternalError("{{break}} outside {{range}}");
  } catch (const ContinueSignal&) {
    return absl::InternalError("{{continue}} outside {{range}}");
  }
}

}  // namespace vigil::tmpl
