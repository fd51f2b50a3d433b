// Series descriptions of the promqltest language and promtool's rule tests:
// `metric{a="b"} 1+2x10 _ stale _x3`. The metric part uses the PromQL lexer;
// the values follow Prometheus's series_values grammar.
#include "vigil/promql/series_description.h"

#include <cctype>
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "lib/model/absl_compat.h"
#include "lib/model/strings.h"
#include "promql/parser/lexer.h"
#include "promql/parser/parser_internal.h"
#include "vigil/storage.h"

namespace vigil::promql {
namespace {

// More values than any test needs; bounds memory for a hostile `1x1e12`.
constexpr uint64_t kMaxSeriesValues = 50'000'000;
// Far more than Prometheus's exposition allows per histogram by default.
constexpr size_t kMaxHistogramBuckets = 100'000;

absl::Status DescError(std::string_view input, int32_t pos,
                       std::string_view msg) {
  return absl::InvalidArgumentError(
      Cat(LineColumn(input, pos), ": parse error: ", msg));
}

class ValuesParser {
 public:
  ValuesParser(std::string_view input, size_t pos) : in_(input), pos_(pos) {}

  absl::Status Parse(std::vector<std::optional<double>>* values,
                     std::vector<HistogramPtr>* histograms) {
    for (;;) {
      while (pos_ < in_.size() && std::isspace(Byte(pos_))) ++pos_;
      if (pos_ >= in_.size()) break;
      item_start_ = pos_;
      absl::Status s;
      if (in_.compare(pos_, 2, "{{") == 0) {
        s = ParseHistogramItem(values, histograms);
      } else {
        s = ParseItem(values);
      }
      if (!s.ok()) return s;
      if (pos_ < in_.size() && !std::isspace(Byte(pos_))) {
        return Error(pos_, "unexpected character in series values");
      }
    }
    if (!histograms->empty()) histograms->resize(values->size());
    return absl::OkStatus();
  }

 private:
  int Byte(size_t i) const { return static_cast<unsigned char>(in_[i]); }

  absl::Status Error(size_t pos, std::string_view msg) const {
    return DescError(in_, static_cast<int32_t>(pos), msg);
  }

  absl::Status ParseItem(std::vector<std::optional<double>>* values) {
    if (in_[pos_] == '_') {
      ++pos_;
      uint64_t times = 1;
      if (pos_ < in_.size() && in_[pos_] == 'x') {
        ++pos_;
        absl::Status s = ParseUint(&times);
        if (!s.ok()) return s;
      }
      // `_xK` is K gaps, unlike `NxK` which is K+1 values.
      for (uint64_t i = 0; i < times; ++i) values->push_back(std::nullopt);
      return absl::OkStatus();
    }
    if (in_.compare(pos_, 5, "stale") == 0 &&
        (pos_ + 5 == in_.size() || std::isspace(Byte(pos_ + 5)))) {
      pos_ += 5;
      values->push_back(StaleNaN());
      return absl::OkStatus();
    }
    double start = 0;
    absl::Status s = ParseSignedNumber(&start);
    if (!s.ok()) return s;
    if (pos_ >= in_.size() || std::isspace(Byte(pos_))) {
      values->push_back(start);
      return absl::OkStatus();
    }
    double delta = 0;
    if (in_[pos_] == '+' || in_[pos_] == '-') {
      s = ParseSignedNumber(&delta);
      if (!s.ok()) return s;
      if (pos_ >= in_.size() || in_[pos_] != 'x') {
        return Error(pos_, "expected \"x\" after the increment");
      }
    }
    if (in_[pos_] != 'x') return Error(pos_, "unexpected character");
    ++pos_;
    uint64_t times = 0;
    s = ParseUint(&times);
    if (!s.ok()) return s;
    // Cumulative addition, as Prometheus does it, so rounding matches.
    double v = start;
    for (uint64_t i = 0; i <= times; ++i) {
      values->push_back(v);
      v += delta;
    }
    return absl::OkStatus();
  }

  absl::Status ParseUint(uint64_t* out) {
    const size_t begin = pos_;
    uint64_t v = 0;
    while (pos_ < in_.size() && std::isdigit(Byte(pos_))) {
      v = v * 10 + (in_[pos_] - '0');
      if (v > kMaxSeriesValues) {
        return Error(begin, "too many values in series description");
      }
      ++pos_;
    }
    if (pos_ == begin) return Error(pos_, "expected a repetition count");
    *out = v;
    return absl::OkStatus();
  }

  // [+-] then a PromQL number (no hex: `0x3` means three zeros), Inf, NaN
  // or a duration such as 1m (its seconds).
  absl::Status ParseSignedNumber(double* out) {
    double sign = 1;
    if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) {
      sign = in_[pos_] == '-' ? -1 : 1;
      ++pos_;
    }
    const size_t begin = pos_;
    if (pos_ < in_.size() && std::isalpha(Byte(pos_))) {
      while (pos_ < in_.size() && std::isalpha(Byte(pos_))) ++pos_;
      std::string word(in_.substr(begin, pos_ - begin));
      for (char& c : word) c = static_cast<char>(std::tolower(c));
      if (word != "inf" && word != "nan") {
        return Error(begin,
                     Cat("invalid number ", in_.substr(begin, pos_ - begin)));
      }
      absl::StatusOr<double> v = ParseNumberText(word);
      *out = sign * *v;
      return absl::OkStatus();
    }
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '_') {
        ++pos_;
      } else if ((c == 'e' || c == 'E') && pos_ > begin) {
        ++pos_;
        if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) {
          ++pos_;
        }
      } else {
        break;
      }
    }
    if (pos_ == begin) return Error(begin, "expected a number");
    bool duration = false;
    while (pos_ < in_.size() &&
           std::string_view("smhdwy0123456789").find(in_[pos_]) !=
               std::string::npos) {
      duration = true;
      ++pos_;
    }
    const std::string_view text = in_.substr(begin, pos_ - begin);
    absl::StatusOr<double> v =
        duration ? ParseDurationSeconds(text) : ParseNumberText(text);
    if (!v.ok()) return Error(begin, FromAbsl(v.status().message()));
    *out = sign * *v;
    return absl::OkStatus();
  }

  // `{{...}}`, `{{...}}xK` or `{{...}}[+-]{{...}}xK`.
  absl::Status ParseHistogramItem(std::vector<std::optional<double>>* values,
                                  std::vector<HistogramPtr>* histograms) {
    FloatHistogram base;
    absl::Status s = ParseHistogram(&base);
    if (!s.ok()) return s;
    auto push = [&](FloatHistogram h) {
      histograms->resize(values->size());
      values->push_back(std::nullopt);
      histograms->push_back(
          std::make_shared<const FloatHistogram>(std::move(h)));
    };
    if (pos_ >= in_.size() || std::isspace(Byte(pos_))) {
      push(std::move(base));
      return absl::OkStatus();
    }
    double sign = 0;
    FloatHistogram inc;
    if (in_[pos_] == '+' || in_[pos_] == '-') {
      sign = in_[pos_] == '-' ? -1 : 1;
      const size_t op = pos_;
      ++pos_;
      if (in_.compare(pos_, 2, "{{") != 0) {
        return Error(op, "expected a histogram after the operator");
      }
      s = ParseHistogram(&inc);
      if (!s.ok()) return s;
    }
    if (pos_ >= in_.size() || in_[pos_] != 'x') {
      return Error(pos_, "expected \"x\" after the histogram");
    }
    ++pos_;
    uint64_t times = 0;
    s = ParseUint(&times);
    if (!s.ok()) return s;
    if (sign == 0) {
      // Copies share one histogram.
      auto shared = std::make_shared<const FloatHistogram>(std::move(base));
      for (uint64_t i = 0; i <= times; ++i) {
        histograms->resize(values->size());
        values->push_back(std::nullopt);
        histograms->push_back(shared);
      }
      return absl::OkStatus();
    }
    const size_t size =
        base.positive_buckets.size() + base.negative_buckets.size() +
        inc.positive_buckets.size() + inc.negative_buckets.size() + 1;
    if (times * size > kMaxSeriesValues) {
      return Error(item_start_, "too many histogram buckets in series");
    }
    FloatHistogram cur = base;
    push(cur);
    for (uint64_t i = 1; i <= times; ++i) {
      {
        // Prometheus: the increment may not have a lower resolution.
        if (cur.schema > inc.schema) {
          return Error(item_start_,
                       Cat("error combining histograms: cannot merge from "
                           "schema ",
                           inc.schema, " to ", cur.schema));
        }
        FloatHistogram next = cur;
        absl::Status st = sign > 0 ? next.Add(inc) : next.Sub(inc);
        if (!st.ok()) {
          return Error(item_start_, Cat("error combining histograms: ",
                                        FromAbsl(st.message())));
        }
        cur = std::move(next);
      }
      push(cur);
    }
    return absl::OkStatus();
  }

  void SkipSpaces() {
    while (pos_ < in_.size() && std::isspace(Byte(pos_))) ++pos_;
  }

  absl::Status ParseFloatList(std::vector<double>* out) {
    if (pos_ >= in_.size() || in_[pos_] != '[') {
      return Error(pos_, "expected \"[\"");
    }
    ++pos_;
    for (;;) {
      SkipSpaces();
      if (pos_ >= in_.size()) return Error(pos_, "unterminated list");
      if (in_[pos_] == ']') {
        ++pos_;
        return absl::OkStatus();
      }
      if (out->size() >= kMaxHistogramBuckets) {
        return Error(pos_, "too many buckets in histogram");
      }
      double v = 0;
      absl::Status s = ParseSignedNumber(&v);
      if (!s.ok()) return s;
      out->push_back(v);
    }
  }

  absl::Status ParseInt(int64_t* out) {
    double v = 0;
    const size_t begin = pos_;
    absl::Status s = ParseSignedNumber(&v);
    if (!s.ok()) return s;
    if (v != std::floor(v) || std::abs(v) > 1e9) {
      return Error(begin, "expected an integer");
    }
    *out = static_cast<int64_t>(v);
    return absl::OkStatus();
  }

  // One `{{key:value ...}}`, as Prometheus's buildHistogramFromMap reads it.
  absl::Status ParseHistogram(FloatHistogram* h) {
    pos_ += 2;
    std::vector<double> buckets, n_buckets;
    int64_t offset = 0, n_offset = 0;
    for (;;) {
      SkipSpaces();
      if (in_.compare(pos_, 2, "}}") == 0) {
        pos_ += 2;
        break;
      }
      const size_t key_start = pos_;
      while (pos_ < in_.size() &&
             (std::isalpha(Byte(pos_)) || in_[pos_] == '_')) {
        ++pos_;
      }
      const std::string_view key = in_.substr(key_start, pos_ - key_start);
      if (key.empty() || pos_ >= in_.size() || in_[pos_] != ':') {
        return Error(key_start, "expected a histogram key and \":\"");
      }
      ++pos_;
      absl::Status s;
      int64_t n = 0;
      if (key == "schema") {
        s = ParseInt(&n);
        h->schema = static_cast<int32_t>(n);
      } else if (key == "sum") {
        s = ParseSignedNumber(&h->sum);
      } else if (key == "count") {
        s = ParseSignedNumber(&h->count);
      } else if (key == "z_bucket") {
        s = ParseSignedNumber(&h->zero_count);
      } else if (key == "z_bucket_w") {
        s = ParseSignedNumber(&h->zero_threshold);
      } else if (key == "buckets") {
        s = ParseFloatList(&buckets);
      } else if (key == "n_buckets") {
        s = ParseFloatList(&n_buckets);
      } else if (key == "custom_values") {
        s = ParseFloatList(&h->custom_values);
      } else if (key == "offset") {
        s = ParseInt(&offset);
      } else if (key == "n_offset") {
        s = ParseInt(&n_offset);
      } else if (key == "counter_reset_hint") {
        const size_t vs = pos_;
        while (pos_ < in_.size() &&
               (std::isalpha(Byte(pos_)) || in_[pos_] == '_')) {
          ++pos_;
        }
        const std::string_view v = in_.substr(vs, pos_ - vs);
        if (v == "unknown") {
          h->counter_reset_hint = CounterResetHint::kUnknown;
        } else if (v == "reset") {
          h->counter_reset_hint = CounterResetHint::kCounterReset;
        } else if (v == "not_reset") {
          h->counter_reset_hint = CounterResetHint::kNotCounterReset;
        } else if (v == "gauge") {
          h->counter_reset_hint = CounterResetHint::kGauge;
        } else {
          return Error(vs, Cat("invalid counter reset hint ", v));
        }
      } else {
        return Error(key_start, Cat("unknown histogram key ", key));
      }
      if (!s.ok()) return s;
    }
    if (!IsExponentialSchema(h->schema) && !h->UsesCustomBuckets()) {
      return Error(item_start_, Cat("invalid histogram schema ", h->schema));
    }
    if (!buckets.empty()) {
      h->positive_spans.push_back({static_cast<int32_t>(offset),
                                   static_cast<uint32_t>(buckets.size())});
      h->positive_buckets = std::move(buckets);
    }
    if (!n_buckets.empty()) {
      h->negative_spans.push_back({static_cast<int32_t>(n_offset),
                                   static_cast<uint32_t>(n_buckets.size())});
      h->negative_buckets = std::move(n_buckets);
    }
    return absl::OkStatus();
  }

  std::string_view in_;
  size_t pos_;
  size_t item_start_ = 0;
};

}  // namespace

absl::StatusOr<SeriesDescription> ParseSeriesDescription(
    std::string_view input) {
  SeriesDescription desc;
  LabelsBuilder builder;
  Lexer lexer(input);
  Token t = lexer.Next();
  size_t values_start = 0;
  auto unexpected = [&](const Token& tok, std::string_view expected) {
    if (tok.type == TokenType::kError)
      return DescError(input, tok.pos, tok.text);
    return DescError(input, tok.pos,
                     Cat("unexpected ", DescribeToken(tok),
                         " in label set, expected ", expected));
  };
  if (t.type == TokenType::kEOF) return desc;
  bool braces = t.type == TokenType::kLeftBrace;
  if (IsLabelToken(t.type)) {
    builder.Set(kMetricName, t.text);
    values_start = t.end();
    // The braces must follow the name directly, as in Prometheus.
    braces = values_start < input.size() && input[values_start] == '{';
    if (braces) t = lexer.Next();
  } else if (!braces) {
    return unexpected(t, "metric name or \"{\"");
  }
  if (braces) {
    for (;;) {
      Token item = lexer.Next();
      if (item.type == TokenType::kRightBrace) {
        values_start = item.end();
        break;
      }
      if (item.type != TokenType::kIdentifier &&
          item.type != TokenType::kString) {
        return unexpected(item, "identifier or \"}\"");
      }
      std::string name =
          item.type == TokenType::kString ? UnquoteToken(item.text) : item.text;
      Token op = lexer.Next();
      Token sep;
      if (op.type == TokenType::kEql) {
        Token value = lexer.Next();
        if (value.type != TokenType::kString) {
          return unexpected(value, "string");
        }
        builder.Set(name, UnquoteToken(value.text));
        sep = lexer.Next();
      } else if (item.type == TokenType::kString) {
        builder.Set(kMetricName, name);
        sep = std::move(op);
      } else {
        return unexpected(op, "\"=\"");
      }
      if (sep.type == TokenType::kRightBrace) {
        values_start = sep.end();
        break;
      }
      if (sep.type != TokenType::kComma) {
        return unexpected(sep, "\",\" or \"}\"");
      }
    }
  }
  desc.labels = builder.Build();
  ValuesParser values(input, values_start);
  absl::Status s = values.Parse(&desc.values, &desc.histograms);
  if (!s.ok()) return s;
  return desc;
}

}  // namespace vigil::promql
