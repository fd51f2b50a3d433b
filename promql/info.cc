// The experimental info() function: enriches the series of its first
// argument with the data labels of matching info series, as Prometheus's
// promql/info.go does. It reads storage itself, so the engine evaluates it
// rather than the function table.
//
// info(v [, {data-label selector}]):
// - Info series are `target_info` unless the selector names others with
//   __name__ matchers (all of which must match; negative ones alone narrow
//   `.+_info`). Series of v whose name matches those matchers are info
//   series themselves and pass unchanged.
// - An info series matches a series of v when their identifying labels,
//   `instance` and `job`, are equal (an absent label equals an absent one).
// - At each step the newest sample of each info series within the lookback
//   decides which one applies; two at the same time are an error.
// - The data labels added are all of the info series' labels, or only those
//   the selector names; labels the series already has are kept. The same
//   label with different values from two info metrics is an error.
// - A series that no info series matches is kept as it is, unless a data
//   label matcher does not match the empty string.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/model/label_text.h"
#include "promql/evaluator.h"
#include "re2/re2.h"

namespace vigil::promql::eval {

namespace {

constexpr std::string_view kTargetInfo = "target_info";
constexpr std::string_view kInfoNamePattern = ".+_info";
// Prometheus hard-codes the identifying labels of info metrics.
constexpr std::string_view kIdentifyingLabels[] = {"instance", "job"};

// Where the vector-producing paths of an expression read their samples.
struct PathsTime {
  enum class Kind { kNone, kUniform, kMixed };
  Kind kind = Kind::kNone;
  InfoTimeRef ref;
};

InfoTimeRef Compose(const InfoTimeRef& outer, std::optional<int64_t> at,
                    int64_t offset) {
  if (at) return {at, offset};
  return {outer.at, outer.offset + offset};
}

// `@ 180 offset 1m` and `@ 120` refer to the same time.
bool SameTime(const InfoTimeRef& a, const InfoTimeRef& b) {
  if (a.at.has_value() != b.at.has_value()) return false;
  if (a.at) return *a.at - a.offset == *b.at - b.offset;
  return a.offset == b.offset;
}

PathsTime Combine(const PathsTime& a, const PathsTime& b) {
  using K = PathsTime::Kind;
  if (a.kind == K::kNone) return b;
  if (b.kind == K::kNone) return a;
  if (a.kind == K::kMixed || b.kind == K::kMixed) return {K::kMixed, {}};
  return SameTime(a.ref, b.ref) ? a : PathsTime{K::kMixed, {}};
}

// Scalar operands (scalar(foo @ 120) * metric) do not decide the time; a
// vector from no selector at all (vector(1)) makes it step dependent.
PathsTime VectorPathsTime(const Expr& e, const InfoTimeRef& ctx,
                          const QueryState& q) {
  using K = PathsTime::Kind;
  const ValueType t = e.type();
  if (t != ValueType::kVector && t != ValueType::kMatrix) return {};
  switch (e.kind) {
    case NodeKind::kVectorSelector: {
      const auto& vs = e.As<VectorSelector>();
      return {K::kUniform,
              Compose(ctx, ResolveAt(q, vs.at_ms, vs.at_modifier),
                      DurationOr(q, vs.offset_expr.get(), vs.offset_ms))};
    }
    case NodeKind::kMatrixSelector:
      return VectorPathsTime(*e.As<MatrixSelector>().selector, ctx, q);
    case NodeKind::kSubquery: {
      const auto& sq = e.As<SubqueryExpr>();
      return VectorPathsTime(
          *sq.expr,
          Compose(ctx, ResolveAt(q, sq.at_ms, sq.at_modifier),
                  DurationOr(q, sq.offset_expr.get(), sq.offset_ms)),
          q);
    }
    case NodeKind::kParen:
      return VectorPathsTime(*e.As<ParenExpr>().expr, ctx, q);
    case NodeKind::kUnary:
      return VectorPathsTime(*e.As<UnaryExpr>().expr, ctx, q);
    case NodeKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      return Combine(VectorPathsTime(*b.lhs, ctx, q),
                     VectorPathsTime(*b.rhs, ctx, q));
    }
    case NodeKind::kAggregate:
      return VectorPathsTime(*e.As<AggregateExpr>().expr, ctx, q);
    case NodeKind::kCall: {
      const auto& call = e.As<Call>();
      // info()'s own second argument is a label selector, never read.
      const size_t n = call.func != nullptr && call.func->name == "info"
                           ? std::min<size_t>(call.args.size(), 1)
                           : call.args.size();
      PathsTime out;
      for (size_t i = 0; i < n; ++i) {
        out = Combine(out, VectorPathsTime(*call.args[i], ctx, q));
      }
      if (out.kind == K::kNone) out.kind = K::kMixed;
      return out;
    }
    case NodeKind::kDuration:
    case NodeKind::kNumber:
    case NodeKind::kString:
      break;
  }
  return {};
}

// The data-label selector, split as Prometheus's evalInfo does.
struct InfoSelector {
  // The __name__ matchers naming the info metrics, never empty; every one
  // must match.
  Matchers name_matchers;
  // The other matchers, by label name.
  std::map<std::string, Matchers> data_matchers;

  bool IsInfoMetric(std::string_view name) const {
    return std::all_of(name_matchers.begin(), name_matchers.end(),
                       [&](const Matcher& m) { return m.Matches(name); });
  }
  // Whether a series no info series matched is dropped: some data label
  // matcher needs a non-empty value.
  bool NeedsMatch() const {
    for (const auto& [name, ms] : data_matchers) {
      for (const Matcher& m : ms) {
        if (!m.Matches("")) return true;
      }
    }
    return false;
  }
};

absl::StatusOr<InfoSelector> ParseInfoSelector(const Call& e) {
  InfoSelector sel;
  if (e.args.size() >= 2) {
    const Expr& arg = Unparen(*e.args[1]);
    if (arg.kind != NodeKind::kVectorSelector) {
      return absl::InvalidArgumentError("expected label selectors only");
    }
    for (const Matcher& m : arg.As<VectorSelector>().matchers) {
      if (m.name() == kMetricName) {
        sel.name_matchers.push_back(m);
      } else {
        sel.data_matchers[m.name()].push_back(m);
      }
    }
  }
  // Prometheus's effectiveInfoNameMatchers: positive __name__ matchers are
  // used as given; negative ones alone would select every other metric, so
  // they narrow `.+_info`; none at all means target_info.
  const bool any_positive = std::any_of(
      sel.name_matchers.begin(), sel.name_matchers.end(), [](const Matcher& m) {
        return m.type() == MatchType::kEqual ||
               m.type() == MatchType::kRegexMatch;
      });
  if (!any_positive) {
    const bool negatives = !sel.name_matchers.empty();
    auto m = Matcher::Create(
        negatives ? MatchType::kRegexMatch : MatchType::kEqual,
        std::string(kMetricName),
        std::string(negatives ? kInfoNamePattern : kTargetInfo));
    if (!m.ok()) return m.status();
    sel.name_matchers.insert(sel.name_matchers.begin(), *std::move(m));
  }
  return sel;
}

// The key joining a series to the info series of one metric: the metric's
// name and the identifying labels' values (Prometheus's signature over
// MatchLabels(true, instance, job)).
std::string InfoKey(std::string_view info_name, const Labels& ls) {
  std::string key(info_name);
  for (std::string_view l : kIdentifyingLabels) {
    key.push_back('\xff');
    key.append(ls.Get(l));
  }
  return key;
}

}  // namespace

InfoTimeRef ComputeInfoTimeRef(const Expr& arg, const QueryState& q) {
  PathsTime p = VectorPathsTime(arg, InfoTimeRef{}, q);
  if (p.kind == PathsTime::Kind::kUniform) return p.ref;
  return InfoTimeRef{};
}

absl::StatusOr<Value> Evaluator::EvalInfo(const Call& e) {
  VIGIL_EVAL_ASSIGN_OR_RETURN(InfoSelector sel, ParseInfoSelector(e));
  const Expr& arg = Unparen(*e.args[0]);
  VIGIL_EVAL_ASSIGN_OR_RETURN(Value base_val, Eval(arg));
  Matrix base = std::move(base_val.matrix);

  // Series that are info series themselves are not enriched.
  std::vector<bool> ignored(base.size(), false);
  for (size_t i = 0; i < base.size(); ++i) {
    ignored[i] = sel.IsInfoMetric(base[i].metric.MetricName());
  }

  // Info series whose identifying labels take values the series of v have:
  // one regex matcher per identifying label, as Prometheus selects them.
  std::map<std::string_view, std::set<std::string_view>> id_values;
  for (size_t i = 0; i < base.size(); ++i) {
    if (ignored[i]) continue;
    for (std::string_view l : kIdentifyingLabels) {
      std::string_view v = base[i].metric.Get(l);
      if (!v.empty()) id_values[l].insert(v);
    }
  }
  Matrix info;
  std::vector<std::string> info_keys;  // per info series
  if (!id_values.empty()) {
    Matchers matchers = sel.name_matchers;
    for (const auto& [name, values] : id_values) {
      std::vector<std::string> quoted;
      quoted.reserve(values.size());
      for (std::string_view v : values) {
        quoted.push_back(RE2::QuoteMeta(re2::StringPiece(v.data(), v.size())));
      }
      VIGIL_EVAL_ASSIGN_OR_RETURN(
          Matcher m, Matcher::Create(MatchType::kRegexMatch, std::string(name),
                                     absl::StrJoin(quoted, "|")));
      matchers.push_back(std::move(m));
    }
    for (const auto& [name, ms] : sel.data_matchers) {
      matchers.insert(matchers.end(), ms.begin(), ms.end());
    }

    SelectRange range{start_ - q_->lookback_ms + 1, end_};
    if (auto it = q_->info_ranges.find(&e); it != q_->info_ranges.end()) {
      range = it->second;
    }
    auto series = q_->querier->Select({range.mint, range.maxt}, matchers);
    if (!series.ok()) {
      return absl::Status(
          series.status().code(),
          absl::StrCat("expanding series: ", series.status().message()));
    }
    // Each info series at each step: the time of its newest sample within
    // the lookback before the reference time, as Prometheus's evalSeries
    // with its timestamp-as-value flag.
    const InfoTimeRef ref = ComputeInfoTimeRef(arg, *q_);
    const int64_t lookback = q_->lookback_ms;
    std::vector<Sample> samples;
    for (const auto& s : *series) {
      VIGIL_EVAL_RETURN_IF_ERROR(CheckCancel());
      samples.clear();
      auto it = s->Iterator();
      if (it->Seek(range.mint)) {
        do {
          Sample smp = it->At();
          if (smp.t > range.maxt) break;
          if (it->AtHistogram() != nullptr) {
            // Prometheus: info series must hold floats.
            return ExecError(absl::StrCat(
                "this should be an info metric, with float samples: ",
                s->labels().ToString()));
          }
          samples.push_back(smp);
        } while (it->Next());
      }
      SeriesPoints sp;
      size_t j = 0;
      for (int64_t ts = start_; ts <= end_; ts += interval_) {
        const int64_t at = ref.At(ts);
        // The reference time never decreases along the steps.
        while (j < samples.size() && samples[j].t <= at) ++j;
        if (j == 0) continue;
        const Sample& last = samples[j - 1];
        if (last.t <= at - lookback || IsStaleNaN(last.v)) continue;
        sp.points.push_back({ts, static_cast<double>(last.t)});
      }
      if (sp.points.empty()) continue;
      VIGIL_EVAL_RETURN_IF_ERROR(AddSamples(PointsCost(sp)));
      sp.metric = s->labels();
      info_keys.push_back(InfoKey(sp.metric.MetricName(), sp.metric));
      info.push_back(std::move(sp));
    }
  }

  // Join keys as small integers: every info series gets its key's id, every
  // series of v the id of its key for each info metric name (or -1).
  absl::flat_hash_map<std::string, int> key_ids;
  std::vector<int> info_key_id(info.size());
  std::set<std::string_view> info_names;
  for (size_t i = 0; i < info.size(); ++i) {
    auto [it, _] =
        key_ids.try_emplace(info_keys[i], static_cast<int>(key_ids.size()));
    info_key_id[i] = it->second;
    info_names.insert(info[i].metric.MetricName());
  }
  const size_t num_names = info_names.size();
  std::vector<int> base_key_ids(base.size() * num_names, -1);
  for (size_t i = 0; i < base.size(); ++i) {
    size_t n = 0;
    for (std::string_view name : info_names) {
      auto it = key_ids.find(InfoKey(name, base[i].metric));
      if (it != key_ids.end()) base_key_ids[i * num_names + n] = it->second;
      ++n;
    }
  }

  const bool needs_match = sel.NeedsMatch();
  // Per key, the info series that applies at this step and its sample time.
  struct Chosen {
    int series = -1;
    int64_t t = 0;
  };
  std::vector<Chosen> chosen(key_ids.size());
  std::vector<Label> added;
  Matrix* inputs[] = {&base, &info};
  Value out;
  VIGIL_EVAL_ASSIGN_OR_RETURN(
      out.matrix,
      RangeEvalMatrices(
          inputs,
          [&](int64_t, std::span<StepInput> in,
              EvalVector* res) -> absl::Status {
            const StepInput& b = in[0];
            const StepInput& is = in[1];
            if (b.vec.empty()) return absl::OkStatus();
            std::fill(chosen.begin(), chosen.end(), Chosen{});
            for (size_t k = 0; k < is.vec.size(); ++k) {
              const int si = is.series[k];
              const auto t = static_cast<int64_t>(is.vec[k].v);
              Chosen& c = chosen[info_key_id[si]];
              if (c.series < 0 || c.t < t) {
                c = {si, t};
              } else if (c.t == t) {
                return ExecError(absl::StrCat(
                    "found duplicate series for info metric: existing ",
                    GoLabelsString(info[c.series].metric), " @ ", c.t, ", new ",
                    GoLabelsString(info[si].metric), " @ ", t));
              }
            }
            for (size_t k = 0; k < b.vec.size(); ++k) {
              const EvalSample& bs = b.vec[k];
              const int bi = b.series[k];
              if (ignored[bi]) {
                res->push_back(bs);
                continue;
              }
              added.clear();
              bool matched = false;
              for (size_t n = 0; n < num_names; ++n) {
                const int id = base_key_ids[bi * num_names + n];
                if (id < 0 || chosen[id].series < 0) continue;
                matched = true;
                for (const Label& l : info[chosen[id].series].metric) {
                  if (l.name == kMetricName) continue;
                  if (!sel.data_matchers.empty() &&
                      !sel.data_matchers.contains(l.name)) {
                    continue;
                  }
                  auto prev = std::find_if(
                      added.begin(), added.end(),
                      [&](const Label& a) { return a.name == l.name; });
                  if (prev != added.end()) {
                    if (prev->value != l.value) {
                      return ExecError(
                          absl::StrCat("conflicting label: ", l.name));
                    }
                    continue;
                  }
                  if (bs.metric.Has(l.name)) continue;
                  added.push_back(l);
                }
              }
              if (!matched && needs_match) continue;
              if (added.empty()) {
                res->push_back(bs);
                continue;
              }
              LabelsBuilder lb(bs.metric);
              for (const Label& l : added) lb.Set(l.name, l.value);
              res->push_back(EvalSample{lb.Build(), bs.t, bs.v, bs.drop_name});
            }
            return absl::OkStatus();
          }));
  return out;
}

}  // namespace vigil::promql::eval
