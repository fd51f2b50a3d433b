// GET /federate: Prometheus's federation endpoint (web/federate.go), so a
// Prometheus scraping vigil with honor_labels stores vigil's series as they
// are. For every series that one of the match[] selectors selects, the
// newest sample of the last lookback window is written in the text format
// with its timestamp; stale series are left out (the format has no
// staleness marker), and so are series without a name and series whose
// newest sample is a native histogram (Prometheus serves those only in
// the protobuf format, which vigil does not write). Families are
// untyped and sorted by name; the external labels, and instance="" when
// they lack one, are added to series that do not carry them.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/api/go_http_error.h"
#include "lib/api/handlers.h"
#include "lib/model/absl_compat.h"
#include "lib/model/exposition_text.h"
#include "lib/model/go_float.h"
#include "vigil/promql/parser.h"

namespace vigil::api {

namespace {

struct Latest {
  Labels labels;
  int64_t t;
  double v;
};

void WriteSample(const Latest& s, const std::vector<Label>& external,
                 std::string_view name, std::string* out) {
  out->append(name);
  bool first = true;
  auto label = [&](std::string_view n, std::string_view v) {
    out->append(first ? "{" : ",");
    first = false;
    out->append(n);
    out->append("=\"");
    AppendExpositionEscaped(v, /*quote=*/true, out);
    out->push_back('"');
  };
  for (const Label& l : s.labels) {
    // An empty value is an unset label, as everywhere in Prometheus.
    if (l.name == kMetricName || l.value.empty()) continue;
    label(l.name, l.value);
  }
  for (const Label& l : external) {
    if (s.labels.Get(l.name).empty()) label(l.name, l.value);
  }
  if (!first) out->push_back('}');
  out->push_back(' ');
  AppendGoFloat(s.v, out);
  absl::StrAppend(out, " ", s.t, "\n");
}

}  // namespace

HttpResponse HandleFederate(const ApiContext& ctx, const HttpRequest& req) {
  Form form;
  if (req.method == "POST" &&
      absl::StartsWithIgnoreCase(ToAbsl(req.Header("Content-Type")),
                                 "application/x-www-form-urlencoded")) {
    form.Parse(req.body);
  }
  form.Parse(req.query_string);
  if (form.error().has_value()) {
    return GoHttpError(
        400, absl::StrCat("error parsing form values: ", *form.error()));
  }
  std::vector<Matchers> selectors;
  for (const std::string& s : form.Values("match[]")) {
    absl::StatusOr<Matchers> m = promql::ParseMetricSelector(s);
    if (!m.ok()) return GoHttpError(400, std::string(m.status().message()));
    selectors.push_back(*std::move(m));
  }

  const int64_t maxt = ctx.NowMs();
  const int64_t mint = maxt - ctx.engine_options.lookback_delta_ms;
  absl::StatusOr<std::unique_ptr<Querier>> q =
      ctx.deps.storage->OpenQuerier(mint, maxt);
  if (!q.ok()) return GoHttpError(500, std::string(q.status().message()));
  // The selectors' union, each series once (storage.NewMergeSeriesSet).
  std::map<std::string, Latest> by_labels;
  for (const Matchers& m : selectors) {
    auto set = (*q)->Select({mint, maxt}, m);
    if (!set.ok()) return GoHttpError(500, std::string(set.status().message()));
    for (const std::shared_ptr<Series>& s : *set) {
      std::string key = s->labels().ToString();
      if (by_labels.contains(key)) continue;
      std::unique_ptr<SampleIterator> it = s->Iterator();
      bool found = false;
      bool histogram = false;
      Sample last;
      while (it->Next()) {
        const Sample& at = it->At();
        if (at.t > maxt) break;
        if (at.t >= mint) {
          last = at;
          histogram = it->AtHistogram() != nullptr;
          found = true;
        }
      }
      if (!found || histogram || IsStaleNaN(last.v)) continue;
      by_labels.emplace(std::move(key), Latest{s->labels(), last.t, last.v});
    }
  }
  std::vector<const Latest*> vec;
  vec.reserve(by_labels.size());
  for (const auto& [key, latest] : by_labels) vec.push_back(&latest);
  // By name, then as the merged set had them (by labels).
  std::stable_sort(vec.begin(), vec.end(),
                   [](const Latest* a, const Latest* b) {
                     return a->labels.MetricName() < b->labels.MetricName();
                   });

  // The external labels, and instance="" (which Labels would drop as
  // unset) unless they name an instance: written, sorted by name, after a
  // series' own labels wherever the series lacks them.
  const Labels configured =
      ctx.deps.external_labels ? ctx.deps.external_labels() : Labels();
  std::vector<Label> external(configured.begin(), configured.end());
  if (!configured.Has("instance")) {
    external.push_back({"instance", ""});
    std::sort(external.begin(), external.end());
  }

  HttpResponse resp;
  resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
  std::string_view family;
  for (const Latest* s : vec) {
    const std::string_view name = s->labels.MetricName();
    if (name.empty()) continue;  // nameless: Prometheus logs and skips it
    if (name != family) {
      absl::StrAppend(&resp.body, "# TYPE ", ToAbsl(name), " untyped\n");
      family = name;
    }
    WriteSample(*s, external, name, &resp.body);
  }
  return resp;
}

}  // namespace vigil::api
