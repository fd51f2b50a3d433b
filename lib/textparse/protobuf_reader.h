// ProtoReader: the protobuf exposition format behind textparse::Parser
// (Format::kProtobuf). The body is a stream of MetricFamily messages, each
// preceded by its length as a varint. A family's own fields are read by
// hand, its Metric messages are decoded one at a time when reached, so
// memory stays that of one Metric whatever the family's size (Prometheus's
// MetricStreamingDecoder does the same). Internal.
#ifndef VIGIL_LIB_TEXTPARSE_PROTOBUF_READER_H_
#define VIGIL_LIB_TEXTPARSE_PROTOBUF_READER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/histogram.h"
#include "vigil/textparse.h"

namespace io::prometheus::client {
class Metric;
}

namespace vigil::textparse::internal {

// What one Metric message yields, in Prometheus's order.
struct ProtoEmission {
  EntryType type = EntryType::kSeries;
  std::string_view suffix;      // "_count", "_sum", "_bucket" or ""
  std::string_view magic_name;  // "le", "quantile" or "" for none
  std::string magic_value;
  double value = 0;
  bool has_exemplar = false;
  FloatHistogram histogram;  // kHistogram
};

class ProtoReader {
 public:
  ProtoReader(std::string_view input, const ParserOptions& options);
  ~ProtoReader();

  // The next entry into *entry and *labels (views valid until the next
  // call); kEof at the end.
  absl::StatusOr<EntryType> Next(Entry* entry, std::vector<LabelRef>* labels,
                                 MetricType* declared_type);

 private:
  // What Next() returns next.
  enum class Phase { kFamily, kUnit, kType, kMetrics };

  // Reads the next family's header fields; false at the end of input.
  absl::StatusOr<bool> NextFamily();
  // Decodes the family's next Metric into emissions_; false when none left.
  absl::StatusOr<bool> NextMetric();
  absl::Status Emit(const io::prometheus::client::Metric& m);
  absl::Status EmitClassicHistogram(const io::prometheus::client::Metric& m);
  absl::Status EmitSummary(const io::prometheus::client::Metric& m);
  // "byte <at>: <what>".
  absl::Status ErrorAt(size_t at, std::string_view what) const;
  absl::Status FamilyError(size_t at, std::string_view what) const;

  std::string_view in_;
  ParserOptions options_;
  size_t pos_ = 0;  // next family's length prefix
  Phase phase_ = Phase::kFamily;

  // The current family.
  size_t family_at_ = 0;  // its message's first byte
  size_t family_end_ = 0;
  size_t metric_cursor_ = 0;  // where to look for its next Metric
  size_t metric_at_ = 0;      // the current Metric's first byte
  std::string_view name_;
  std::string_view help_;
  std::string_view unit_;
  int type_ = 0;  // io.prometheus.client.MetricType

  std::unique_ptr<io::prometheus::client::Metric> metric_;
  std::vector<LabelRef> base_labels_;
  int64_t timestamp_ms_ = 0;
  int64_t created_ms_ = 0;
  std::deque<ProtoEmission> emissions_;
  ProtoEmission current_;  // what the last entry shows
  std::string name_scratch_;
  std::string series_scratch_;
};

}  // namespace vigil::textparse::internal

#endif  // VIGIL_LIB_TEXTPARSE_PROTOBUF_READER_H_
