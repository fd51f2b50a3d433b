// textparse: streaming parsers for the Prometheus text exposition format
// 0.0.4 and OpenMetrics 1.0, as Prometheus 3's model/textparse reads them.
//
// Contract:
// - Zero-copy: a Parser keeps a std::string_view of the caller's bytes and
//   never copies them. The caller keeps the buffer alive and unchanged for
//   the parser's lifetime. Views in an Entry (and LabelRef views) point into
//   that buffer or into the parser's scratch space; they are valid until the
//   next call to Next().
// - Streaming: Next() yields one entry at a time (series, HELP, TYPE, UNIT,
//   comment) and then kEof. Nothing is buffered beyond the current entry.
// - Errors: malformed input yields absl::InvalidArgumentError whose message
//   starts with the position, e.g.
//     line 3, column 12 (byte 57): expected "=" after label name, got "x"
//   Lines and columns are 1-based and count bytes; "byte" is the 0-based
//   offset into the input. The protobuf format has no lines: its errors
//   start "byte 57: ". After an error or kEof, Next() keeps returning
//   the same result. No input makes the parser crash, abort or read outside
//   the buffer; the limits below bound the work any one entry can cause.
// - Thread safety: a Parser or SeriesLabelsBuilder is used from one thread
//   at a time; distinct instances are independent.
// - Native histograms come only from the protobuf format (as in
//   Prometheus): an entry of type kHistogram. Its classic histograms and
//   summaries are expanded to _count/_sum/_bucket (quantile) series as
//   Prometheus's ProtobufParser does, so the text and protobuf formats of
//   one exposition yield the same float series.
#ifndef VIGIL_TEXTPARSE_H_
#define VIGIL_TEXTPARSE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/histogram.h"
#include "vigil/labels.h"

namespace vigil::textparse {

enum class Format {
  kPrometheusText,  // text/plain; version=0.0.4
  kOpenMetrics,     // application/openmetrics-text; version=1.0.0
  // application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
  // encoding=delimited
  kProtobuf,
};

// Metric types as Prometheus names them. The text format's "untyped" is
// kUnknown, as in Prometheus.
enum class MetricType : uint8_t {
  kUnknown,
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateset,
};
// "unknown", "counter", ..., "gaugehistogram", "stateset".
std::string_view MetricTypeName(MetricType type);

// kHistogram: a native histogram sample (protobuf format only).
enum class EntryType {
  kSeries,
  kHelp,
  kType,
  kUnit,
  kComment,
  kEof,
  kHistogram
};

// Longest entry (one line, or one series whose quoted strings span lines)
// accepted. Guards a stranger's payload: nothing legitimate comes close
// (kube-state-metrics lines are < 2 KiB).
inline constexpr size_t kDefaultMaxEntryBytes = size_t{1} << 20;  // 1 MiB
// Most labels (the metric name excluded) on one series or exemplar.
// Prometheus's own default label_limit is unlimited; real targets stay
// below ~64, so 1024 only stops abuse.
inline constexpr size_t kDefaultMaxLabelsPerSeries = 1024;
// Protobuf format: the largest MetricFamily message. Metrics inside it are
// decoded one at a time (each bounded by max_entry_bytes), so this only
// guards the family's own fields; 10k kube-state-metrics pods make a
// ~10 MiB family.
inline constexpr size_t kDefaultMaxProtoMessageBytes = size_t{64} << 20;

struct ParserOptions {
  size_t max_entry_bytes = kDefaultMaxEntryBytes;
  size_t max_labels_per_series = kDefaultMaxLabelsPerSeries;
  // OpenMetrics only: drop `<family>_created` series of counters,
  // histograms and summaries instead of returning them (Prometheus's
  // OpenMetricsSkipSTSeries).
  bool skip_created_series = false;

  // Protobuf format only. Prometheus's IgnoreNativeHistograms (native
  // histogram scraping off): histograms are read as classic ones.
  bool ignore_native_histograms = false;
  // always_scrape_classic_histograms: a histogram exposed both ways also
  // yields its classic series.
  bool keep_classic_histograms = false;
  // convert_classic_histograms_to_nhcb: a classic histogram becomes one
  // native histogram with custom buckets (schema -53) instead of series
  // (and as well as them with keep_classic_histograms).
  bool convert_classic_histograms_to_nhcb = false;
  size_t max_message_bytes = kDefaultMaxProtoMessageBytes;
};

// One parsed entry. Which fields are set depends on `type`.
struct Entry {
  EntryType type = EntryType::kEof;
  // 1-based line on which the entry starts.
  size_t line = 0;

  // kSeries/kHistogram: the series exactly as written, metric name and
  // label set (`a{b="c"}`, `{"my.metric"}`), without value or timestamp. A
  // stable key for caching, as Prometheus's Parser.Series() bytes. The
  // protobuf format has no text: the name, then each label's name and value
  // after a 0xff byte.
  std::string_view series;
  // kSeries/kHistogram: the metric name. kHelp/kType/kUnit: the metric family
  // name. Unescaped (quoted names may carry escapes).
  std::string_view metric_name;
  // kSeries.
  double value = 0;
  std::optional<int64_t> timestamp_ms;
  // kSeries/kHistogram: an exemplar was present (validated, then dropped).
  bool has_exemplar = false;
  // kHistogram: the native histogram (compacted, float counts); valid until
  // the next Next().
  const FloatHistogram* histogram = nullptr;
  // Protobuf kSeries/kHistogram of counters, summaries and histograms: the
  // created timestamp in ms since the epoch, 0 when absent.
  int64_t created_timestamp_ms = 0;

  // kType: the declared type. kSeries: the type of the last TYPE'd family
  // when the series belongs to it by name (`x_total` of counter `x`,
  // `h_bucket`/`h_sum`/`h_count` of histogram `h`, ...), else kUnknown.
  MetricType metric_type = MetricType::kUnknown;
  // kHelp: the help text, unescaped. kUnit: the unit. kComment: the whole
  // comment line including its leading '#'.
  std::string_view text;
};

// A label of the current series as written: views into the input with the
// quotes removed but escapes (\\ \" \n) still in place.
struct LabelRef {
  std::string_view name;
  std::string_view value;
};

class Parser {
 public:
  Parser(std::string_view input, Format format, ParserOptions options = {});
  ~Parser();
  Parser(Parser&&) noexcept;
  Parser& operator=(Parser&&) noexcept;

  // Advances to the next entry and returns its type (kEof at the end).
  absl::StatusOr<EntryType> Next();
  // The entry Next() last returned.
  const Entry& entry() const;

  // kSeries/kHistogram: labels other than the metric name, in input
  // order.
  size_t label_count() const;
  LabelRef label(size_t i) const;

  Format format() const;

  // Reading a large text input in pieces (not the protobuf format): bytes
  // of the current piece consumed by the entries returned so far.
  size_t consumed() const;
  // Goes on in `next`, which must start with the current piece's first
  // unconsumed byte and at the start of a line; the consumed bytes may be
  // gone. Metadata (the last TYPE) carries over, and errors keep counting
  // lines and bytes from the start of the first piece. A piece that ends
  // where the input does not must end with a newline: an entry is never
  // split, and the end of a piece is the end of the data.
  void Continue(std::string_view next);

 private:
  friend class SeriesLabelsBuilder;
  struct State;
  std::unique_ptr<State> state_;
};

// Builds vigil::Labels for the current series of a Parser. Reuse one
// builder across series: its buffers keep their capacity, so View() does
// not allocate once warmed up.
//
// Values of `le` on histogram families and `quantile` on summary families
// are normalised to OpenMetrics float form ("1" -> "1.0"), as Prometheus
// does, so both formats yield the same series.
class SeriesLabelsBuilder {
 public:
  struct Pair {
    std::string_view name;
    std::string_view value;
  };

  // The current series' labels, __name__ included, unescaped, sorted by
  // name. Valid until the next call on this builder or parser.
  const std::vector<Pair>& View(const Parser& parser);
  // The same as an owned Labels (empty values dropped, as Labels does).
  Labels Build(const Parser& parser);

 private:
  std::vector<Pair> pairs_;
  std::string arena_;
};

// The parser Prometheus picks for a scrape response's Content-Type
// (textparse.New): application/openmetrics-text -> OpenMetrics,
// text/plain -> text, application/vnd.google.protobuf -> protobuf
// (parameters are not checked, as in Prometheus). Anything else, or no header,
// falls back to the text format with `warning` saying why.
struct FormatChoice {
  Format format = Format::kPrometheusText;
  std::string warning;  // empty when the header was recognised
};
FormatChoice ChooseFormat(std::string_view content_type);

// One bucket of a classic histogram: its `le` and cumulative count.
struct ClassicBucket {
  double upper_bound = 0;
  double cumulative_count = 0;
};
// A classic histogram as one native histogram with custom buckets (schema
// -53, Prometheus's convertnhcb): finite upper bounds become custom_values,
// cumulative counts per-bucket counts, +Inf the implicit last bucket (its
// count is the +Inf bucket's, else `count`). `buckets` must be sorted by
// upper bound; a repeated or NaN bound or a decreasing cumulative count is
// an error that names the bucket.
absl::Status ClassicToNhcb(const std::vector<ClassicBucket>& buckets,
                           double count, double sum, bool gauge,
                           FloatHistogram* out);

// Whether series `name` belongs to metric family `family` of type `type`
// (Prometheus's isSeriesPartOfFamily, plus `_created` for OpenMetrics
// counters, histograms and summaries).
bool IsSeriesOfFamily(std::string_view name, std::string_view family,
                      MetricType type, Format format);

}  // namespace vigil::textparse

#endif  // VIGIL_TEXTPARSE_H_
