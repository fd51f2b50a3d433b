// JSON as Prometheus's API writes it (jsoniter configured like Go's
// encoding/json): HTML-safe string escaping, sample values as quoted Go
// floats, timestamps as seconds with millisecond precision, times as
// RFC3339Nano, and the response envelopes. Internal to vigil_api.
#ifndef VIGIL_LIB_API_JSON_ENCODING_H_
#define VIGIL_LIB_API_JSON_ENCODING_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/histogram.h"
#include "vigil/labels.h"
#include "vigil/promql/engine.h"

namespace vigil::api {

// Appends JSON to a string; inserts the commas itself. Misuse (a value
// without a key inside an object) is the caller's bug, not checked.
// With a sink, the text is handed to it in pieces of about flush_bytes
// (at MaybeFlush() and Flush()), so a large answer is never held whole.
class JsonWriter {
 public:
  using Sink = std::function<void(std::string_view)>;
  static constexpr size_t kFirstReserveBytes = 4096;

  JsonWriter() = default;
  JsonWriter(Sink sink, size_t flush_bytes)
      : sink_(std::move(sink)), flush_bytes_(flush_bytes) {
    // Grown as needed, not to flush_bytes at once: most answers are a few
    // hundred bytes, and 80 KiB from malloc cost more than encoding them.
    out_.reserve(std::min(flush_bytes + flush_bytes / 4, kFirstReserveBytes));
  }

  // Hands what is written so far to the sink once it reaches flush_bytes.
  void MaybeFlush() {
    if (sink_ && out_.size() >= flush_bytes_) Flush();
  }
  // Hands everything written so far to the sink (none: keeps it).
  void Flush();

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(std::string_view key);
  void String(std::string_view s);
  void Bool(bool b);
  void Int(int64_t i);
  // A JSON number as Go's encoding/json prints a float64.
  void Number(double d);
  // Pre-encoded JSON: one value, or several separated by commas inside
  // an array.
  void Raw(std::string_view json);
  void Null();

  // {"name":"value",…} in label order.
  void LabelsObject(const Labels& labels);
  // [<seconds>,"<value>"]
  void Point(int64_t t_ms, double v);
  // [[<seconds>,"<value>"],…]: Point() for each, written faster.
  void Points(const std::vector<Sample>& points);
  // [<seconds>,{"count":"…","sum":"…","buckets":[[<boundaries>,"<lower>",
  // "<upper>","<count>"],…]}], as Prometheus's jsonutil.MarshalHistogram:
  // populated buckets only, ascending; boundaries 0 = (l,u], 1 = [l,u),
  // 2 = (l,u), 3 = [l,u]; no "buckets" key without populated buckets.
  void HistogramPoint(int64_t t_ms, const FloatHistogram& h);
  // A scalar result as promql.Scalar's MarshalJSON writes it: the time as
  // the float64 seconds encoding/json prints, the value always in 'f' form
  // (1/time() is "0.0000000005566041786602497", never 5.566…e-10).
  void ScalarPoint(int64_t t_ms, double v);
  // The time of a string result, as promql.String's MarshalJSON writes it.
  void FloatSeconds(int64_t t_ms);
  // An RFC3339Nano UTC time; 0 is Go's zero time.
  void Time(int64_t ms);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Separate();
  Sink sink_;
  size_t flush_bytes_ = 0;
  std::string out_;
  // One entry per open container: whether a value was already written.
  std::vector<bool> has_value_;
  bool after_key_ = false;
};

// Go's json string escaping with EscapeHTML: <, > and & as \u003c…,
// U+2028/U+2029 escaped, invalid UTF-8 as \ufffd.
void AppendJsonString(std::string_view s, std::string* out);

// A sample value as Prometheus's marshalValue: Go's FormatFloat with 'f'
// (-1 precision), 'e' below 1e-6 or from 1e21 on; NaN, +Inf, -Inf.
std::string FormatSampleValue(double v);
// Go's strconv.FormatFloat(v, 'e', -1, 64) (alert values).
std::string FormatFloatExp(double v);
// Seconds with up to three decimals, as marshalTimestamp: 1435781451.781.
void AppendTimestamp(int64_t ms, std::string* out);
// "2006-01-02T15:04:05.999Z" (RFC3339Nano of a millisecond UTC time).
std::string FormatRfc3339Ms(int64_t ms);

// A matrix answer of at least this many points is encoded on two threads,
// in blocks of about kEncodeBlockPoints.
inline constexpr size_t kParallelEncodePoints = 100000;
inline constexpr size_t kEncodeBlockPoints = 16384;

// The "data" of a query response: {"resultType":…,"result":…}.
std::string EncodeQueryData(const promql::QueryResult& result);
// The same, written to `w` (flushing it as it goes, one series at a time).
void WriteQueryData(const promql::QueryResult& result, JsonWriter& w);

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_JSON_ENCODING_H_
