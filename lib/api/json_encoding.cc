// Prometheus's JSON encodings (web/api/v1/json_codec.go, util/jsonutil).
#include "lib/api/json_encoding.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <variant>

#include "absl/time/time.h"
#include "lib/model/go_float.h"
#include "lib/model/utf8.h"

namespace vigil::api {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(uint32_t cp, std::string* out) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) {
    out->push_back(kHex[(cp >> shift) & 0xF]);
  }
}

// Go's strconv.AppendFloat(v, 'e' or 'f', -1, 64) for finite v.
std::string ShortestFloat(double v, bool exponent) {
  if (exponent) return GoFormatFloat(v, 'e', -1);
  std::string out;
  AppendShortestFixed(v, &out);
  return out;
}

std::string NonFinite(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

// Go's rule for picking %e over %f in JSON and sample values.
bool UseExponent(double v) {
  const double abs = std::fabs(v);
  return abs != 0 && (abs < 1e-6 || abs >= 1e21);
}

// AppendTimestamp into a buffer of at least 32 bytes; returns the end.
char* TimestampTo(char* p, int64_t ms) {
  uint64_t abs = static_cast<uint64_t>(ms);
  if (ms < 0) {
    *p++ = '-';
    abs = 0 - abs;
  }
  p = std::to_chars(p, p + 24, abs / 1000).ptr;
  const auto frac = static_cast<unsigned>(abs % 1000);
  if (frac != 0) {
    *p++ = '.';
    if (frac < 100) *p++ = '0';
    if (frac < 10) *p++ = '0';
    p = std::to_chars(p, p + 4, frac).ptr;
  }
  return p;
}

// FormatSampleValue into [p, end) (at least 64 bytes); returns the end.
// Below 2^53 every double's shortest fixed form that reads back
// (std::to_chars) has Go's shortest digits: the integer part is exact, so
// fewest characters means fewest fraction digits. Above, to_chars prints
// the exact integer (2^62 as …904 where Go prints …900), and 'e' form has
// its own rules: both take the general path, which is rare in practice.
char* SampleValueTo(char* p, char* end, double v) {
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  const double abs = std::fabs(v);
  if (abs < kExactIntegers && (abs >= 1e-6 || abs == 0)) {
    return std::to_chars(p, end, v, std::chars_format::fixed).ptr;
  }
  const std::string s = FormatSampleValue(v);
  return std::copy(s.begin(), s.end(), p);
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '<':
        case '>':
        case '&':
          AppendUnicodeEscape(c, out);
          break;
        default:
          if (c < 0x20) {
            AppendUnicodeEscape(c, out);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    int len;
    const int32_t cp = DecodeRune(s, i, &len);
    if (cp == kRuneError && len == 1) {
      out->append("\\ufffd");
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      AppendUnicodeEscape(cp, out);
    } else {
      out->append(s.substr(i, len));
    }
    i += static_cast<size_t>(len);
  }
  out->push_back('"');
}

std::string FormatSampleValue(double v) {
  if (!std::isfinite(v)) return NonFinite(v);
  return ShortestFloat(v, UseExponent(v));
}

std::string FormatFloatExp(double v) {
  if (!std::isfinite(v)) return NonFinite(v);
  return ShortestFloat(v, true);
}

void AppendTimestamp(int64_t ms, std::string* out) {
  // Integer arithmetic, as marshalTimestamp: no float rounding surprises.
  uint64_t abs = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out->push_back('-');
    abs = 0 - abs;
  }
  out->append(std::to_string(abs / 1000));
  const uint64_t frac = abs % 1000;
  if (frac != 0) {
    out->push_back('.');
    if (frac < 100) out->push_back('0');
    if (frac < 10) out->push_back('0');
    out->append(std::to_string(frac));
  }
}

std::string FormatRfc3339Ms(int64_t ms) {
  if (ms == 0) return "0001-01-01T00:00:00Z";  // Go's zero time.Time
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_value_.empty()) {
    if (has_value_.back()) out_.push_back(',');
    has_value_.back() = true;
  }
}

void JsonWriter::BeginObject() {
  Separate();
  out_.push_back('{');
  has_value_.push_back(false);
}

void JsonWriter::EndObject() {
  out_.push_back('}');
  has_value_.pop_back();
}

void JsonWriter::BeginArray() {
  Separate();
  out_.push_back('[');
  has_value_.push_back(false);
}

void JsonWriter::EndArray() {
  out_.push_back(']');
  has_value_.pop_back();
}

void JsonWriter::Key(std::string_view key) {
  Separate();
  AppendJsonString(key, &out_);
  out_.push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view s) {
  Separate();
  AppendJsonString(s, &out_);
}

void JsonWriter::Bool(bool b) {
  Separate();
  out_.append(b ? "true" : "false");
}

void JsonWriter::Int(int64_t i) {
  Separate();
  out_.append(std::to_string(i));
}

void JsonWriter::Number(double d) {
  Separate();
  // encoding/json refuses NaN and ±Inf; the API never has them here.
  if (!std::isfinite(d)) d = 0;
  const bool exp = UseExponent(d);
  std::string s = ShortestFloat(d, exp);
  if (exp) {
    // Go trims a two-digit negative exponent: 1e-07 → 1e-7.
    const size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') {
      s.erase(n - 2, 1);
    }
  }
  out_.append(s);
}

void JsonWriter::Raw(std::string_view json) {
  Separate();
  if (!sink_) {
    out_.append(json);
    return;
  }
  // In pieces: a block of several values can be megabytes.
  while (!json.empty()) {
    const size_t n = std::min(json.size(), flush_bytes_ + 1);
    out_.append(json.substr(0, n));
    json.remove_prefix(n);
    MaybeFlush();
  }
}

void JsonWriter::Points(const std::vector<Sample>& points) {
  Separate();
  // Formatted into a stack buffer and appended a few KB at a time: one
  // string append per point cost more than formatting its timestamp.
  constexpr size_t kBatch = 8192;
  constexpr size_t kMaxPoint = 128;
  char buf[kBatch];
  char* p = buf;
  *p++ = '[';
  bool first = true;
  for (const Sample& s : points) {
    if (p > buf + kBatch - kMaxPoint) {
      out_.append(buf, static_cast<size_t>(p - buf));
      p = buf;
    }
    if (!first) *p++ = ',';
    first = false;
    *p++ = '[';
    p = TimestampTo(p, s.t);
    *p++ = ',';
    *p++ = '"';
    p = SampleValueTo(p, p + 64, s.v);
    *p++ = '"';
    *p++ = ']';
  }
  *p++ = ']';
  out_.append(buf, static_cast<size_t>(p - buf));
}

void JsonWriter::Null() {
  Separate();
  out_.append("null");
}

void JsonWriter::LabelsObject(const Labels& labels) {
  BeginObject();
  for (const Label& l : labels) {
    Key(l.name);
    String(l.value);
  }
  EndObject();
}

void JsonWriter::HistogramPoint(int64_t t_ms, const FloatHistogram& h) {
  Separate();
  out_.push_back('[');
  AppendTimestamp(t_ms, &out_);
  out_.append(",{\"count\":\"");
  out_.append(FormatSampleValue(h.count));
  out_.append("\",\"sum\":\"");
  out_.append(FormatSampleValue(h.sum));
  out_.push_back('"');
  bool any = false;
  for (const HistogramBucket& b : h.AllBuckets()) {
    if (b.count == 0) continue;
    out_.append(any ? "," : ",\"buckets\":[");
    any = true;
    int boundaries = 2;
    if (b.lower_inclusive) {
      boundaries = b.upper_inclusive ? 3 : 1;
    } else if (b.upper_inclusive) {
      boundaries = 0;
    }
    out_.push_back('[');
    out_.append(std::to_string(boundaries));
    for (double v : {b.lower, b.upper, b.count}) {
      out_.append(",\"");
      out_.append(FormatSampleValue(v));
      out_.push_back('"');
    }
    out_.push_back(']');
  }
  if (any) out_.push_back(']');
  out_.append("}]");
}

void JsonWriter::Point(int64_t t_ms, double v) {
  Separate();
  // One append per point: answers of millions of points are common.
  char buf[128];
  char* p = buf;
  *p++ = '[';
  p = TimestampTo(p, t_ms);
  *p++ = ',';
  *p++ = '"';
  p = SampleValueTo(p, buf + sizeof(buf) - 2, v);
  *p++ = '"';
  *p++ = ']';
  out_.append(buf, static_cast<size_t>(p - buf));
}

void JsonWriter::Flush() {
  if (!sink_ || out_.empty()) return;
  sink_(out_);
  out_.clear();
}

void JsonWriter::FloatSeconds(int64_t t_ms) {
  Number(static_cast<double>(t_ms) / 1000);
}

void JsonWriter::ScalarPoint(int64_t t_ms, double v) {
  BeginArray();
  FloatSeconds(t_ms);
  Separate();
  out_.push_back('"');
  AppendShortestFixed(v, &out_);
  out_.push_back('"');
  EndArray();
}

void JsonWriter::Time(int64_t ms) { String(FormatRfc3339Ms(ms)); }

namespace {

// One series of a matrix: {"metric":{…},"values":[…]}.
void WriteSeries(const promql::MatrixSeries& s, JsonWriter& w) {
  w.BeginObject();
  w.Key("metric");
  w.LabelsObject(s.metric);
  // Prometheus omits "values" for a series without float points.
  if (!s.samples.empty()) {
    w.Key("values");
    w.Points(s.samples);
  }
  // Prometheus: histogram points follow under "histograms".
  if (!s.histograms.empty()) {
    w.Key("histograms");
    w.BeginArray();
    for (const promql::HistogramPoint& p : s.histograms) {
      w.HistogramPoint(p.t, *p.h);
    }
    w.EndArray();
  }
  w.EndObject();
}

// Series [begin, end) as comma-separated JSON values.
std::string EncodeSeries(const promql::Matrix& m, size_t begin, size_t end) {
  JsonWriter w;
  w.BeginArray();
  for (size_t i = begin; i < end; ++i) WriteSeries(m[i], w);
  std::string out = w.Take();
  out.erase(0, 1);  // the '['
  return out;
}

void WriteMatrix(const promql::Matrix& m, JsonWriter& w) {
  w.BeginArray();
  size_t points = 0;
  for (const promql::MatrixSeries& s : m)
    points += s.samples.size() + s.histograms.size();
  if (points < kParallelEncodePoints) {
    for (const promql::MatrixSeries& s : m) {
      WriteSeries(s, w);
      w.MaybeFlush();
    }
    w.EndArray();
    return;
  }
  // Blocks of about kEncodeBlockPoints: a helper thread encodes every
  // second one while this thread encodes (and sends) the one before it,
  // so both cores work on a large answer and at most one block is held.
  std::vector<size_t> bounds = {0};
  size_t in_block = 0;
  for (size_t i = 0; i < m.size(); ++i) {
    in_block += m[i].samples.size() + 1;
    if (in_block >= kEncodeBlockPoints || i + 1 == m.size()) {
      bounds.push_back(i + 1);
      in_block = 0;
    }
  }
  const size_t blocks = bounds.size() - 1;
  for (size_t b = 0; b < blocks; b += 2) {
    std::string next;
    bool helped = false;
    std::thread helper;
    if (b + 1 < blocks) {
      try {
        helper = std::thread([&] {
          try {
            next = EncodeSeries(m, bounds[b + 1], bounds[b + 2]);
            helped = true;
          } catch (...) {
            // Out of memory: this thread encodes the block itself below.
          }
        });
      } catch (const std::system_error&) {
        // No thread to be had: the same, on this one.
      }
    }
    for (size_t i = bounds[b]; i < bounds[b + 1]; ++i) {
      WriteSeries(m[i], w);
      w.MaybeFlush();
    }
    if (helper.joinable()) helper.join();
    if (b + 1 >= blocks) continue;
    if (helped) {
      w.Raw(next);
    } else {
      for (size_t i = bounds[b + 1]; i < bounds[b + 2]; ++i) {
        WriteSeries(m[i], w);
        w.MaybeFlush();
      }
    }
  }
  w.EndArray();
}

}  // namespace

std::string EncodeQueryData(const promql::QueryResult& result) {
  JsonWriter w;
  WriteQueryData(result, w);
  return w.Take();
}

void WriteQueryData(const promql::QueryResult& result, JsonWriter& w) {
  w.BeginObject();
  std::visit(
      [&w](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, promql::Scalar>) {
          w.Key("resultType");
          w.String("scalar");
          w.Key("result");
          w.ScalarPoint(value.t, value.v);
        } else if constexpr (std::is_same_v<T, promql::StringResult>) {
          w.Key("resultType");
          w.String("string");
          w.Key("result");
          w.BeginArray();
          w.FloatSeconds(value.t);
          w.String(value.v);
          w.EndArray();
        } else if constexpr (std::is_same_v<T, promql::Vector>) {
          w.Key("resultType");
          w.String("vector");
          w.Key("result");
          w.BeginArray();
          for (const promql::VectorSample& s : value) {
            w.BeginObject();
            w.Key("metric");
            w.LabelsObject(s.metric);
            if (s.h != nullptr) {
              w.Key("histogram");
              w.HistogramPoint(s.t, *s.h);
            } else {
              w.Key("value");
              w.Point(s.t, s.v);
            }
            w.EndObject();
            w.MaybeFlush();
          }
          w.EndArray();
        } else {
          w.Key("resultType");
          w.String("matrix");
          w.Key("result");
          WriteMatrix(value, w);
        }
      },
      result.value);
  w.EndObject();
}

}  // namespace vigil::api
