#include "lib/scrape/scrape_cache.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "vigil/storage.h"

namespace vigil::scrape {
namespace {

// Prometheus's model.ExportedLabelPrefix.
constexpr std::string_view kExportedPrefix = "exported_";
// Go's "%.50s" in the label limit messages.
constexpr size_t kLimitMessageTruncate = 50;

std::string Trunc(std::string_view s) {
  return std::string(s.substr(0, kLimitMessageTruncate));
}

}  // namespace

int32_t MaxSchemaForBucketFactor(double factor) {
  // Prometheus's pickSchema: no factor (<= 1) allows the finest schema.
  if (factor <= 1) factor = kFinestBucketFactor;
  const double floor = std::floor(-std::log2(std::log2(factor)));
  if (floor >= kMaxExponentialSchema) return kMaxExponentialSchema;
  if (floor <= kMinExponentialSchema) return kMinExponentialSchema;
  return static_cast<int32_t>(floor);
}

ScrapeCache::ScrapeCache(Labels target_labels, const ScrapeConfig* config)
    : target_labels_(std::move(target_labels)),
      config_(config),
      max_schema_(MaxSchemaForBucketFactor(
          config->native_histogram_min_bucket_factor)) {
  for (std::string_view name :
       {kUpMetric, kDurationMetric, kSamplesScrapedMetric, kPostRelabelMetric,
        kSeriesAddedMetric}) {
    report_labels_.push_back(ReportLabels(name));
    report_refs_.push_back(0);
  }
}

Labels ScrapeCache::ReportLabels(std::string_view name) const {
  LabelsBuilder lb(target_labels_);
  lb.Set(kMetricName, name);
  return lb.Build();
}

Labels ScrapeCache::MutateSampleLabels(const Labels& scraped) const {
  LabelsBuilder lb(scraped);
  if (config_->honor_labels) {
    // The exposed value wins; target labels only fill gaps.
    for (const Label& l : target_labels_) {
      if (!scraped.Has(l.name)) lb.Set(l.name, l.value);
    }
  } else {
    // Target labels win; a clashing exposed label is kept as
    // exported_<name> (exported_exported_<name> if that is taken too),
    // shortest names first, as Prometheus's resolveConflictingExposedLabels.
    std::vector<Label> conflicts;
    for (const Label& l : target_labels_) {
      std::string_view existing = scraped.Get(l.name);
      if (!existing.empty()) {
        conflicts.push_back({l.name, std::string(existing)});
      }
      lb.Set(l.name, l.value);
    }
    std::stable_sort(conflicts.begin(), conflicts.end(),
                     [](const Label& a, const Label& b) {
                       return a.name.size() < b.name.size();
                     });
    for (const Label& c : conflicts) {
      std::string name = c.name;
      while (true) {
        name = absl::StrCat(ToAbsl(kExportedPrefix), name);
        if (lb.Get(name).empty()) {
          lb.Set(name, c.value);
          break;
        }
      }
    }
  }
  if (config_->metric_relabel_configs.empty()) return lb.Build();
  if (!relabel::ProcessBuilder(lb, config_->metric_relabel_configs)) {
    return Labels();
  }
  return lb.Build();
}

absl::Status ScrapeCache::CheckLabelLimits(const Labels& labels) const {
  const std::string_view metric = labels.MetricName();
  if (config_->label_limit > 0 && labels.size() > config_->label_limit) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "label_limit exceeded (metric: %s, number of labels: %d, limit: %d)",
        Trunc(metric), labels.size(), config_->label_limit));
  }
  for (const Label& l : labels) {
    if (config_->label_name_length_limit > 0 &&
        l.name.size() > config_->label_name_length_limit) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "label_name_length_limit exceeded (metric: %s, label name: %s, "
          "length: %d, limit: %d)",
          Trunc(metric), Trunc(l.name), l.name.size(),
          config_->label_name_length_limit));
    }
    if (config_->label_value_length_limit > 0 &&
        l.value.size() > config_->label_value_length_limit) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "label_value_length_limit exceeded (metric: %s, label name: %s, "
          "value: %s, length: %d, limit: %d)",
          Trunc(metric), Trunc(l.name), QuoteString(Trunc(l.value)),
          l.value.size(), config_->label_value_length_limit));
    }
  }
  return absl::OkStatus();
}

template <typename BuildLabels>
absl::Status ScrapeCache::AppendSample(Appender& app, const ScrapedSample& s,
                                       BuildLabels build_labels, int64_t ts_ms,
                                       AppendCounts* counts) {
  ++counts->scraped;
  const auto [it, inserted] = entries_.try_emplace(FingerprintOf(s.series));
  Entry& entry = it->second;
  Labels lset;  // built for a new entry, or when the ref went stale
  if (inserted) {
    lset = MutateSampleLabels(build_labels());
    if (!lset.empty()) {
      if (!lset.Has(kMetricName)) {
        entries_.erase(it);
        return absl::InvalidArgumentError(
            "missing metric name (__name__ label)");
      }
      if (auto st = CheckLabelLimits(lset); !st.ok()) {
        entries_.erase(it);
        return st;
      }
    }
    entry.hash = lset.Hash();
    entry.dropped = lset.empty();
  }
  // Prometheus counts series new to the cache as added.
  if (inserted || entry.last_iter + 1 < iter_) {
    if (!entry.dropped) ++counts->series_added;
  }
  entry.last_iter = iter_;
  if (entry.dropped) return absl::OkStatus();

  const bool explicit_ts = config_->honor_timestamps && s.timestamp_ms;
  const int64_t t = explicit_ts ? *s.timestamp_ms : ts_ms;
  const bool is_histogram = s.histogram != nullptr;
  // The parser never yields a stale histogram: its NaNs are normalised.
  if ((is_histogram || !IsStaleNaN(s.value)) && config_->sample_limit > 0 &&
      counts->post_relabel + 1 > config_->sample_limit) {
    return absl::ResourceExhaustedError(std::string(kSampleLimitError));
  }
  const FloatHistogram* histogram = s.histogram;
  if (is_histogram) {
    if (auto st = ApplyHistogramLimits(*s.histogram, &limited_, &histogram);
        !st.ok()) {
      return st;
    }
  }
  auto append = [&](SeriesRef r, const Labels& l) {
    return is_histogram ? app.AppendHistogram(r, l, t, *histogram)
                        : app.Append(r, l, t, s.value);
  };
  auto ref = append(entry.ref, lset);
  if (!ref.ok() && lset.empty() &&
      ClassifyAppendError(ref.status()) == AppendError::kInvalid) {
    lset = MutateSampleLabels(build_labels());
    ref = append(0, lset);
  }
  if (!ref.ok()) {
    // Like Prometheus, samples the store rejects for their timestamp are
    // counted and skipped; anything else fails the scrape.
    switch (ClassifyAppendError(ref.status())) {
      case AppendError::kOutOfOrder:
        ++counts->out_of_order;
        return absl::OkStatus();
      case AppendError::kDuplicate:
        ++counts->duplicates;
        return absl::OkStatus();
      case AppendError::kOutOfBounds:
        ++counts->out_of_bounds;
        return absl::OkStatus();
      default:
        return ref.status();
    }
  }
  entry.ref = *ref;
  ++counts->post_relabel;
  // Series with explicit timestamps get no staleness markers (Prometheus
  // without track_timestamps_staleness).
  if (!explicit_ts) cur_series_.emplace(entry.hash, entry.ref);
  return absl::OkStatus();
}

absl::Status ScrapeCache::FlushNhcb(Appender& app, int64_t ts_ms,
                                    AppendCounts* counts) {
  NhcbGroup group = std::move(nhcb_);
  nhcb_ = NhcbGroup();
  FloatHistogram h;
  auto st = group.Build(&h);
  if (!st.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(group.labels.ToString()), ": ", st.message()));
  }
  ScrapedSample sample{group.series_key, group.timestamp_ms, 0, &h};
  return AppendSample(
      app, sample, [&group] { return group.labels; }, ts_ms, counts);
}

absl::Status ScrapeCache::AppendBody(Appender& app, std::string_view body,
                                     textparse::Format format, int64_t ts_ms,
                                     AppendCounts* counts) {
  ++iter_;
  cur_series_.clear();
  textparse::ParserOptions options;
  options.ignore_native_histograms = !config_->scrape_native_histograms;
  options.keep_classic_histograms = config_->always_scrape_classic_histograms;
  options.convert_classic_histograms_to_nhcb =
      config_->convert_classic_histograms_to_nhcb;
  nhcb_ = NhcbGroup();
  // Prometheus converts text-format classic histograms too (NHCBParser);
  // the protobuf reader converts its own.
  const bool text_nhcb = config_->convert_classic_histograms_to_nhcb &&
                         format != textparse::Format::kProtobuf;
  textparse::Parser parser(body, format, options);
  auto parser_labels = [this, &parser] {
    return labels_builder_.Build(parser);
  };
  while (true) {
    auto type = parser.Next();
    if (!type.ok()) return type.status();
    const textparse::Entry& e = parser.entry();
    if (text_nhcb && !nhcb_.series_key.empty() &&
        (*type != textparse::EntryType::kSeries ||
         !nhcb_.Continues(e, labels_builder_.View(parser)))) {
      if (auto st = FlushNhcb(app, ts_ms, counts); !st.ok()) return st;
    }
    if (*type == textparse::EntryType::kEof) break;
    if (*type == textparse::EntryType::kHelp ||
        *type == textparse::EntryType::kType ||
        *type == textparse::EntryType::kUnit) {
      SetMetadata(e);
      continue;
    }
    const bool is_histogram = *type == textparse::EntryType::kHistogram;
    if (*type != textparse::EntryType::kSeries && !is_histogram) continue;
    if (text_nhcb && nhcb_.Add(e, labels_builder_.View(parser)) &&
        !config_->always_scrape_classic_histograms) {
      continue;  // only the converted histogram is appended
    }
    ScrapedSample sample{e.series, e.timestamp_ms, e.value,
                         is_histogram ? e.histogram : nullptr};
    if (auto st = AppendSample(app, sample, parser_labels, ts_ms, counts);
        !st.ok()) {
      return st;
    }
  }

  for (const auto& [hash, ref] : prev_series_) {
    if (cur_series_.contains(hash)) continue;
    // Errors are ignored: a marker older than newer data is meaningless,
    // and a series the store has collected needs none.
    (void)app.Append(ref, Labels(), ts_ms, StaleNaN());
  }
  prev_series_.swap(cur_series_);
  cur_series_.clear();
  absl::erase_if(entries_, [&](const auto& kv) {
    return kv.second.last_iter + kCacheEvictAfterScrapes < iter_;
  });
  const size_t families = metadata_.size();
  absl::erase_if(metadata_, [&](const auto& kv) {
    return kv.second.last_iter + kCacheEvictAfterScrapes < iter_;
  });
  if (metadata_.size() != families) metadata_changed_ = true;
  return absl::OkStatus();
}

absl::Status ScrapeCache::ApplyHistogramLimits(
    const FloatHistogram& h, FloatHistogram* scratch,
    const FloatHistogram** out) const {
  *out = &h;
  auto buckets = [](const FloatHistogram& x) {
    return x.positive_buckets.size() + x.negative_buckets.size();
  };
  const uint64_t limit = config_->native_histogram_bucket_limit;
  const bool over_limit = limit > 0 && buckets(h) > limit;
  const bool too_fine = IsExponentialSchema(h.schema) && h.schema > max_schema_;
  if (!over_limit && !too_fine) return absl::OkStatus();
  // Prometheus: custom buckets cannot be merged, so too many of them fail
  // the scrape outright.
  if (over_limit && !IsExponentialSchema(h.schema)) {
    return absl::ResourceExhaustedError(std::string(kBucketLimitError));
  }
  *scratch = h;
  *out = scratch;
  if (too_fine) scratch->ReduceResolution(max_schema_);
  while (limit > 0 && buckets(*scratch) > limit) {
    if (scratch->schema <= kMinExponentialSchema) {
      return absl::ResourceExhaustedError(std::string(kBucketLimitError));
    }
    scratch->ReduceResolution(scratch->schema - 1);
  }
  return absl::OkStatus();
}

void ScrapeCache::SetMetadata(const textparse::Entry& e) {
  auto [it, inserted] = metadata_.try_emplace(ToAbsl(e.metric_name));
  MetaEntry& m = it->second;
  m.last_iter = iter_;
  std::string_view value;
  std::string* field = nullptr;
  switch (e.type) {
    case textparse::EntryType::kType:
      value = textparse::MetricTypeName(e.metric_type);
      field = &m.type;
      break;
    case textparse::EntryType::kHelp:
      value = e.text;
      field = &m.help;
      break;
    default:
      value = e.text;
      field = &m.unit;
      break;
  }
  if (inserted || *field != value) {
    field->assign(value);
    metadata_changed_ = true;
  }
}

std::vector<MetricMetadata> ScrapeCache::Metadata() const {
  std::vector<MetricMetadata> out;
  out.reserve(metadata_.size());
  for (const auto& [name, m] : metadata_) {
    out.push_back({name, m.type, m.help, m.unit});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.metric_family_name < b.metric_family_name;
  });
  return out;
}

bool ScrapeCache::TakeMetadataChanged() {
  return std::exchange(metadata_changed_, false);
}

void ScrapeCache::AppendStaleAll(Appender& app, int64_t ts_ms) {
  for (const auto& [hash, ref] : prev_series_) {
    (void)app.Append(ref, Labels(), ts_ms, StaleNaN());
  }
  prev_series_.clear();
  cur_series_.clear();
}

void ScrapeCache::AppendReport(Appender& app, int64_t ts_ms, bool up,
                               double duration_seconds,
                               const AppendCounts& counts, bool stale) {
  const double values[] = {
      up ? 1.0 : 0.0,
      duration_seconds,
      static_cast<double>(counts.scraped),
      static_cast<double>(counts.post_relabel),
      static_cast<double>(counts.series_added),
  };
  for (size_t i = 0; i < report_labels_.size(); ++i) {
    auto ref = app.Append(report_refs_[i], report_labels_[i], ts_ms,
                          stale ? StaleNaN() : values[i]);
    if (ref.ok()) report_refs_[i] = *ref;
  }
}

}  // namespace vigil::scrape
