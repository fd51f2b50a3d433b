// GET /federate: Prometheus's federation endpoint (web/federate.go), so a
// Prometheus scraping vigil with honor_labels stores vigil's series as they
// are. For every series that one of the match[] selectors selects, the
// newest sample of the last lookback window is written with its timestamp,
// in the format the Accept header negotiates (federate_format.h): the
// protobuf MetricFamily stream (federate_protobuf.h), which carries native
// histograms, or the text format, which leaves out series whose newest
// sample is a native histogram. Names that are not legacy names are
// escaped per the Accept header's `escaping` parameter (underscores when
// absent), or, with allow-utf-8, quoted in the text format. Stale series
// are left out (the formats have no staleness marker), and so are series
// without a name. Families are
// sorted by name; the external labels, and instance="" when they lack one,
// are added to series that do not carry them. The answer is streamed.
#include <algorithm>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/api/federate_format.h"
#include "lib/api/federate_protobuf.h"
#include "lib/api/go_http_error.h"
#include "lib/api/handlers.h"
#include "lib/model/absl_compat.h"
#include "lib/model/exposition_text.h"
#include "lib/model/go_float.h"
#include "lib/model/name_escaping.h"
#include "lib/model/strings.h"
#include "vigil/promql/parser.h"

namespace vigil::api {

namespace {

// A name in the text format: escaped per the negotiated scheme, which
// leaves a legacy metric name, or, with allow-utf-8, quoted as expfmt's
// writeName quotes a name outside that rule. Returns whether it quoted.
bool AppendName(std::string_view raw, NameEscaping escaping,
                std::string* scratch, std::string* out) {
  if (escaping != NameEscaping::kAllowUtf8 || IsLegacyMetricName(raw)) {
    out->append(ExpositionName(raw, escaping, scratch));
    return false;
  }
  out->push_back('"');
  AppendExpositionEscaped(raw, /*quote=*/true, out);
  out->push_back('"');
  return true;
}

// One sample line; `name` is the family's name as written, `quoted` whether
// it is quoted, which puts it first inside the braces.
void WriteSample(const FederatedSample& s, std::span<const Label> external,
                 std::string_view name, bool quoted, NameEscaping escaping,
                 std::string* scratch, std::string* out) {
  if (quoted) out->push_back('{');
  out->append(name);
  bool first = !quoted;
  auto label = [&](std::string_view n, std::string_view v) {
    out->append(first ? "{" : ",");
    first = false;
    AppendName(n, escaping, scratch, out);
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
  if (quoted || !first) out->push_back('}');
  out->push_back(' ');
  AppendGoFloat(s.v, out);
  absl::StrAppend(out, " ", s.t, "\n");
}

// The text format 0.0.4: an untyped family per name, floats only.
void WriteFederateText(std::span<const FederatedSample* const> samples,
                       std::span<const Label> external, NameEscaping escaping,
                       const FederateSink& write) {
  std::string out;
  std::string scratch;
  std::string_view family;
  std::string written;  // the family's name as written
  bool quoted = false;
  for (const FederatedSample* s : samples) {
    const std::string_view name = s->labels.MetricName();
    if (name.empty()) continue;  // nameless: Prometheus logs and skips it
    if (name != family) {
      family = name;
      written.clear();
      quoted = AppendName(name, escaping, &scratch, &written);
      absl::StrAppend(&out, "# TYPE ", written, " untyped\n");
    }
    WriteSample(*s, external, written, quoted, escaping, &scratch, &out);
    if (out.size() >= kFederateChunkBytes) {
      write(out);
      out.clear();
    }
  }
  if (!out.empty()) write(out);
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

  const FederateEncoding encoding = NegotiateFederate(req.Header("Accept"));
  const FederateFormat format = encoding.format;
  const NameEscaping escaping = encoding.escaping;
  const bool histograms = CarriesNativeHistograms(format);

  const int64_t maxt = ctx.NowMs();
  const int64_t mint = maxt - ctx.engine_options.lookback_delta_ms;
  absl::StatusOr<std::unique_ptr<Querier>> q =
      ctx.deps.storage->OpenQuerier(mint, maxt);
  if (!q.ok()) return GoHttpError(500, std::string(q.status().message()));
  // The selectors' union, each series once (storage.NewMergeSeriesSet).
  std::map<std::string, FederatedSample> by_labels;
  for (const Matchers& m : selectors) {
    auto set = (*q)->Select({mint, maxt}, m);
    if (!set.ok()) return GoHttpError(500, std::string(set.status().message()));
    for (const std::shared_ptr<Series>& s : *set) {
      std::string key = s->labels().ToString();
      if (by_labels.contains(key)) continue;
      std::unique_ptr<SampleIterator> it = s->Iterator();
      bool found = false;
      Sample last;
      HistogramPtr histogram;
      while (it->Next()) {
        const Sample& at = it->At();
        if (at.t > maxt) break;
        if (at.t >= mint) {
          last = at;
          histogram = it->AtHistogram();
          found = true;
        }
      }
      if (!found) continue;
      if (histogram != nullptr) {
        // Prometheus skips what the text format cannot carry.
        if (!histograms || IsStaleNaN(histogram->sum)) continue;
      } else if (IsStaleNaN(last.v)) {
        continue;
      }
      by_labels.emplace(
          std::move(key),
          FederatedSample(s->labels(), last.t, last.v, std::move(histogram)));
    }
  }
  std::vector<const FederatedSample*> vec;
  vec.reserve(by_labels.size());
  for (const auto& [key, sample] : by_labels) vec.push_back(&sample);
  // By name, then as the merged set had them (by labels).
  std::stable_sort(vec.begin(), vec.end(),
                   [](const FederatedSample* a, const FederatedSample* b) {
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
  resp.content_type = FederateContentType(encoding);
  // Prometheus serves /federate behind its gzip CompressionHandler.
  resp.compressible = true;
  // Owned by the body writer, which runs after this handler returns.
  auto owned = std::make_shared<std::map<std::string, FederatedSample>>(
      std::move(by_labels));
  resp.write_body = [owned, vec = std::move(vec),
                     external = std::move(external), format,
                     escaping](const FederateSink& write) {
    switch (format) {
      case FederateFormat::kProtoDelimited:
        WriteFederateProtobuf(vec, external, escaping, write);
        break;
      case FederateFormat::kProtoText:
      case FederateFormat::kProtoCompact:
        WriteFederateProtobufText(vec, external,
                                  format == FederateFormat::kProtoCompact,
                                  escaping, write);
        break;
      case FederateFormat::kText:
        WriteFederateText(vec, external, escaping, write);
        break;
    }
  };
  return resp;
}

}  // namespace vigil::api
