// The protobuf answer of /federate: io.prometheus.client.MetricFamily
// messages as Prometheus's federation handler builds them (web/federate.go).
//
// Families follow the samples' order (sorted by metric name by the caller);
// a new family starts where the name changes or the sample kind does (float,
// counter histogram, gauge histogram), so one name may make several
// families, which Prometheus's scrape accepts. Floats are UNTYPED; native
// histograms are HISTOGRAM or GAUGE_HISTOGRAM (by their counter reset hint)
// with schema, zero bucket, spans and counts; custom-bucket histograms
// (schema -53) are written as Prometheus 3 writes them, as classic buckets
// (upper bounds with cumulative counts, +Inf left implicit). Every metric
// carries its timestamp in ms; the series' labels except __name__ and empty
// ones, then `external` (sorted by name) where the series lacks the label.
//
// Names that are not legacy metric names are escaped per `escaping`, as
// expfmt's encoder does (model.EscapeMetricFamily), the family's name and
// each label name (external ones too) alike.
//
// One deliberate difference: Prometheus turns every histogram into a float
// histogram first. A histogram whose counts are all whole numbers (what
// every scraped integer histogram is) is written here in the integer form
// instead — sample_count, zero_count and delta-encoded bucket counts — which
// carries the same values exactly and keeps the receiver on integer chunks,
// as if it had scraped the source itself. An empty histogram with
// no zero bucket gets a no-op span, as client_golang writes it, so that
// receivers do not read it as a classic histogram. Internal to the API.
#ifndef VIGIL_LIB_API_FEDERATE_PROTOBUF_H_
#define VIGIL_LIB_API_FEDERATE_PROTOBUF_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/name_escaping.h"
#include "vigil/histogram.h"
#include "vigil/labels.h"

namespace vigil::api {

// The newest sample of one federated series.
struct FederatedSample {
  FederatedSample(Labels labels, int64_t t, double v, HistogramPtr histogram)
      : labels(std::move(labels)),
        t(t),
        v(v),
        histogram(std::move(histogram)) {}
  Labels labels;
  int64_t t = 0;
  double v = 0;            // a float sample's value
  HistogramPtr histogram;  // set for a native histogram sample
};

using FederateSink = std::function<void(std::string_view piece)>;

// Pieces handed to the sink are about this size (the last may be smaller),
// so that an answer is streamed, not held.
inline constexpr size_t kFederateChunkBytes = 64 << 10;
// A family's encoded metrics are kept to write them after the family's
// length prefix up to this size; a bigger family is encoded twice (once to
// measure it) instead, so memory stays bounded whatever its size.
inline constexpr size_t kFederateFamilyBufferBytes = 1 << 20;

// Length-delimited MetricFamily messages (expfmt's FmtProtoDelim).
// Samples without a metric name are skipped. `external` is sorted by name.
void WriteFederateProtobuf(std::span<const FederatedSample* const> samples,
                           std::span<const Label> external,
                           NameEscaping escaping, const FederateSink& write);

// The same families in the protobuf text format, as expfmt's FmtProtoText
// (multi-line) or FmtProtoCompact (one line each); each family is built
// whole, as Prometheus builds it. Strings keep their UTF-8, as Go's
// prototext writes them.
void WriteFederateProtobufText(std::span<const FederatedSample* const> samples,
                               std::span<const Label> external, bool compact,
                               NameEscaping escaping,
                               const FederateSink& write);

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_FEDERATE_PROTOBUF_H_
