// Decodes the JSON answers of Prometheus's query API into vigil's types.
#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"
#include "lib/textparse/lexer.h"
#include "vigil/datasource.h"

namespace vigil::datasource {
namespace {

using nlohmann::json;

// The API's answers nest five deep; anything far deeper is not one, and
// a DOM of a deeply nested body costs far more memory than its bytes.
constexpr int kMaxJsonDepth = 32;
// Annotations kept per kind; the rest are dropped (a remote could send
// thousands, and each is logged).
constexpr size_t kMaxAnnotations = 10;

using Value = decltype(promql::QueryResult::value);

// At most kMaxQuotedErrorBytes of `text`, cut at a UTF-8 boundary.
std::string_view Cut(std::string_view text, bool* cut) {
  *cut = text.size() > kMaxQuotedErrorBytes;
  if (!*cut) return text;
  size_t n = kMaxQuotedErrorBytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

// Text from the remote's JSON (valid UTF-8) in a message: bounded, one line.
std::string Quote(std::string_view text) {
  bool cut = false;
  std::string out(Cut(text, &cut));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (cut) out += "…";
  return out;
}

// Raw bytes from the remote (a proxy's page, garbage): Go-quoted, bounded.
std::string QuoteBytes(std::string_view body) {
  bool cut = false;
  std::string out = QuoteString(Cut(body, &cut));
  if (cut) out += "…";
  return out;
}

// Whether brackets nest deeper than kMaxJsonDepth outside strings.
bool TooDeep(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

absl::Status Malformed(std::string_view what) {
  return absl::DataLossError(
      absl::StrCat("malformed response: ", ToAbsl(what)));
}

// [<unix seconds>, "<value>"]: the API's sample pair.
absl::Status DecodeTime(const json& t, int64_t* ms) {
  if (!t.is_number()) return Malformed("sample time is not a number");
  const double seconds = t.get<double>();
  // Beyond ±2^53 ms a double no longer holds a millisecond.
  if (!std::isfinite(seconds) || std::fabs(seconds) > 9.0e12) {
    return Malformed("sample time out of range");
  }
  *ms = std::llround(seconds * 1000);
  return absl::OkStatus();
}

absl::Status DecodeFloat(const json& v, double* out) {
  if (!v.is_string()) return Malformed("sample value is not a string");
  const std::string& s = v.get_ref<const std::string&>();
  // Go's strconv.ParseFloat, as Prometheus's clients read these.
  if (textparse::internal::ParseFloat(s, out) !=
      textparse::internal::FloatStatus::kOk) {
    return Malformed(
        absl::StrCat("sample value ", QuoteBytes(s), " is not a number"));
  }
  return absl::OkStatus();
}

absl::Status DecodePoint(const json& p, Sample* out) {
  if (!p.is_array() || p.size() != 2) {
    return Malformed("sample is not a [time, value] pair");
  }
  if (absl::Status s = DecodeTime(p[0], &out->t); !s.ok()) return s;
  return DecodeFloat(p[1], &out->v);
}

absl::StatusOr<Labels> DecodeMetric(const json& series) {
  if (!series.is_object()) return Malformed("series is not an object");
  if (series.contains("histogram") || series.contains("histograms")) {
    return absl::InvalidArgumentError(
        "native histogram samples are not supported");
  }
  auto it = series.find("metric");
  if (it == series.end()) return Labels();
  if (!it->is_object()) return Malformed("\"metric\" is not an object");
  std::vector<Label> labels;
  labels.reserve(it->size());
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) {
      return Malformed(absl::StrCat("label \"", Quote(name),
                                    "\" has a value that is not a string"));
    }
    if (name.empty() || !IsValidUtf8(name)) {
      return Malformed(
          absl::StrCat("invalid label name \"", Quote(name), "\""));
    }
    labels.push_back({name, value.get<std::string>()});
  }
  return Labels::FromVector(std::move(labels));
}

absl::StatusOr<promql::Vector> DecodeVector(const json& result) {
  if (!result.is_array()) return Malformed("vector result is not an array");
  promql::Vector out;
  out.reserve(result.size());
  for (const json& series : result) {
    auto metric = DecodeMetric(series);
    if (!metric.ok()) return metric.status();
    Sample s;
    auto value = series.find("value");
    if (value == series.end()) return Malformed("vector sample has no value");
    if (absl::Status st = DecodePoint(*value, &s); !st.ok()) return st;
    out.push_back({*std::move(metric), s.t, s.v});
  }
  return out;
}

absl::StatusOr<promql::Matrix> DecodeMatrix(const json& result) {
  if (!result.is_array()) return Malformed("matrix result is not an array");
  promql::Matrix out;
  out.reserve(result.size());
  for (const json& series : result) {
    auto metric = DecodeMetric(series);
    if (!metric.ok()) return metric.status();
    promql::MatrixSeries ms;
    ms.metric = *std::move(metric);
    auto values = series.find("values");
    if (values != series.end()) {
      if (!values->is_array()) return Malformed("\"values\" is not an array");
      ms.samples.reserve(values->size());
      for (const json& p : *values) {
        Sample s;
        if (absl::Status st = DecodePoint(p, &s); !st.ok()) return st;
        ms.samples.push_back(s);
      }
    }
    out.push_back(std::move(ms));
  }
  return out;
}

absl::StatusOr<Value> DecodeData(const json& data) {
  if (!data.is_object()) return Malformed("\"data\" is not an object");
  auto type = data.find("resultType");
  auto result = data.find("result");
  if (type == data.end() || !type->is_string() || result == data.end()) {
    return Malformed("\"data\" lacks resultType or result");
  }
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "vector") {
    auto v = DecodeVector(*result);
    if (!v.ok()) return v.status();
    return Value(*std::move(v));
  }
  if (t == "matrix") {
    auto m = DecodeMatrix(*result);
    if (!m.ok()) return m.status();
    return Value(*std::move(m));
  }
  if (t == "scalar") {
    Sample s;
    if (absl::Status st = DecodePoint(*result, &s); !st.ok()) return st;
    return Value(promql::Scalar{s.t, s.v});
  }
  if (t == "string") {
    if (!result->is_array() || result->size() != 2 ||
        !(*result)[1].is_string()) {
      return Malformed("string result is not a [time, string] pair");
    }
    promql::StringResult s;
    if (absl::Status st = DecodeTime((*result)[0], &s.t); !st.ok()) return st;
    s.v = (*result)[1].get<std::string>();
    return Value(std::move(s));
  }
  return Malformed(absl::StrCat("unknown resultType \"", Quote(t), "\""));
}

std::vector<std::string> DecodeAnnotations(const json& body, const char* kind) {
  std::vector<std::string> out;
  auto it = body.find(kind);
  if (it == body.end() || !it->is_array()) return out;
  for (const json& a : *it) {
    if (out.size() == kMaxAnnotations) break;
    if (a.is_string()) out.push_back(Quote(a.get_ref<const std::string&>()));
  }
  return out;
}

// The remote's own error: errorType says what kind (Prometheus's API:
// bad_data 400, execution 422, timeout and canceled 503, internal 500).
absl::Status RemoteError(int http_status, const json& body) {
  const std::string type = body.value("errorType", "");
  const std::string error = body.value("error", "");
  const std::string text =
      absl::StrCat("HTTP ", http_status, ": ", Quote(type), ": ", Quote(error));
  if (type == "timeout") return absl::DeadlineExceededError(text);
  if (type == "bad_data" || type == "execution" || type == "not_found") {
    return absl::InvalidArgumentError(text);
  }
  if (http_status >= 500 || type == "canceled" || type == "unavailable" ||
      type == "internal") {
    return absl::UnavailableError(text);
  }
  return absl::InvalidArgumentError(text);
}

// An answer without the API's JSON, by its status.
absl::Status HttpError(int http_status, std::string_view body) {
  const std::string text =
      absl::StrCat("HTTP ", http_status, ": ", QuoteBytes(body));
  return http_status >= 500 ? absl::UnavailableError(text)
                            : absl::InvalidArgumentError(text);
}

}  // namespace

absl::StatusOr<promql::QueryResult> DecodeQueryResponse(int http_status,
                                                        std::string_view body) {
  const bool ok_status = http_status >= 200 && http_status < 300;
  if (TooDeep(body)) {
    return ok_status ? Malformed("JSON nested too deeply")
                     : HttpError(http_status, body);
  }
  json parsed;
  try {
    parsed = json::parse(body);
  } catch (const json::exception& e) {
    if (!ok_status) return HttpError(http_status, body);
    return absl::DataLossError(
        absl::StrCat("invalid JSON (", e.what(), "): ", QuoteBytes(body)));
  }
  if (!parsed.is_object()) {
    return ok_status ? Malformed("not a JSON object")
                     : HttpError(http_status, body);
  }
  const std::string status = parsed.value("status", "");
  if (status == "error") return RemoteError(http_status, parsed);
  if (!ok_status) return HttpError(http_status, body);
  if (status != "success") {
    return Malformed(absl::StrCat("status \"", Quote(status), "\""));
  }
  auto data = parsed.find("data");
  if (data == parsed.end()) return Malformed("no \"data\"");
  auto value = DecodeData(*data);
  if (!value.ok()) return value.status();
  promql::QueryResult out;
  out.value = *std::move(value);
  out.warnings = DecodeAnnotations(parsed, "warnings");
  out.infos = DecodeAnnotations(parsed, "infos");
  return out;
}

}  // namespace vigil::datasource
