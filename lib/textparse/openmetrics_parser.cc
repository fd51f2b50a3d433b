// OpenMetrics 1.0 text, as Prometheus 3 reads it (openmetricsparse.go,
// openmetricslex.l): exactly one space between tokens, no blanks inside
// label sets, HELP/TYPE/UNIT as the only comments, exemplars after `# `,
// timestamps in (float) seconds, and a mandatory final `# EOF`.
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/textparse/lexer.h"
#include "lib/textparse/parser_state.h"

namespace vigil::textparse {
namespace {

constexpr LabelSetRules kOmLabels{.allow_blanks = false,
                                  .require_separator = true,
                                  .newline_in_values = false,
                                  .exemplar = false};
constexpr LabelSetRules kOmExemplarLabels{.allow_blanks = false,
                                          .require_separator = true,
                                          .newline_in_values = false,
                                          .exemplar = true};

constexpr const char* kOmTypeNames[] = {
    "counter", "gauge", "histogram", "gaugehistogram",
    "summary", "info",  "stateset",  "unknown"};
constexpr MetricType kOmTypes[] = {
    MetricType::kCounter,        MetricType::kGauge,   MetricType::kHistogram,
    MetricType::kGaugeHistogram, MetricType::kSummary, MetricType::kInfo,
    MetricType::kStateset,       MetricType::kUnknown};
static_assert(std::size(kOmTypeNames) == std::size(kOmTypes));

// Timestamps past this many milliseconds do not fit an int64.
constexpr double kMaxAbsTimestampMs = 9.2e18;

constexpr std::string_view kNoEof = "data does not end with \"# EOF\"";

bool At(const char* p, const char* end, std::string_view s) {
  return static_cast<size_t>(end - p) >= s.size() &&
         std::memcmp(p, s.data(), s.size()) == 0;
}

// openmetricslex.l: a value or timestamp token is [^ \n]+ after one space.
const char* ScanToken(const char* p, const char* end) {
  while (p < end && *p != ' ' && *p != '\n') ++p;
  return p;
}

}  // namespace

absl::StatusOr<EntryType> Parser::State::NextOpenMetrics() {
  entry.line = line;
  // The end of the data is OmSampleLine's to report: this dispatch, run
  // once per line, stays a few instructions.
  if (p != end && *p == '#') return OmCommentLine();
  return OmSampleLine();
}

absl::StatusOr<EntryType> Parser::State::OmCommentLine() {
  std::string_view keyword;
  if (At(p, end, "# HELP ")) {
    keyword = "HELP";
  } else if (At(p, end, "# TYPE ")) {
    keyword = "TYPE";
  } else if (At(p, end, "# UNIT ")) {
    keyword = "UNIT";
  } else if (At(p, end, "# EOF")) {
    return OmEof();
  } else {
    return Expected(p, "\"# HELP \", \"# TYPE \", \"# UNIT \" or \"# EOF\"");
  }
  p += 7;
  if (auto st = ParseFamilyName(keyword); !st.ok()) return st;
  // openmetricslex.l: {S}{C}*\n — one space, the text, a newline.
  if (p == end || *p != ' ') {
    return Expected(p, Cat("text in ", keyword));
  }
  const char* text_at = p + 1;
  const void* nl =
      std::memchr(text_at, '\n', static_cast<size_t>(end - text_at));
  if (nl == nullptr) return Expected(end, Cat("text in ", keyword));
  const char* eol = static_cast<const char*>(nl);
  std::string_view text(text_at, static_cast<size_t>(eol - text_at));
  p = eol;
  ConsumeNewline();
  if (keyword == "TYPE") {
    if (auto st = ApplyType(text, text_at, kOmTypeNames, kOmTypes,
                            std::size(kOmTypes));
        !st.ok()) {
      return st;
    }
    return EntryType::kType;
  }
  if (keyword == "UNIT") return OmUnit(text, text_at);
  // OpenMetrics escapes HELP like label values: \\ \" \n.
  return ApplyHelp(text, text_at, /*quotes=*/true);
}

absl::StatusOr<EntryType> Parser::State::OmEof() {
  // openmetricslex.l: "EOF"\n? and then nothing at all.
  const char* q = p + 5;
  if (q < end && *q == '\n') ++q;
  if (q != end) return ErrorAt(q, "unexpected data after \"# EOF\"");
  p = end;
  return EntryType::kEof;
}

absl::StatusOr<EntryType> Parser::State::OmUnit(std::string_view text,
                                                const char* text_at) {
  // The unit, when given, must be the name's last `_`-separated part.
  std::string_view m = entry.metric_name;
  if (!text.empty() && (m.size() < text.size() + 1 || !m.ends_with(text) ||
                        m[m.size() - text.size() - 1] != '_')) {
    return ErrorAt(text_at, Cat("unit ", QuoteForError(text),
                                " not a suffix of metric ", QuoteForError(m)));
  }
  entry.type = EntryType::kUnit;
  entry.text = text;
  return EntryType::kUnit;
}

absl::StatusOr<EntryType> Parser::State::OmSampleLine() {
  // Data that ends where a line should start lacks its `# EOF`.
  if (p == end) return ErrorAt(p, kNoEof);
  // Recordings list one series' samples together: the same series text
  // as the line before parses to the same name, labels and type (the
  // family cannot have changed, as no TYPE line came between).
  const size_t n = repeat.series.size();
  if (n != 0 && static_cast<size_t>(end - p) > n && p[n] == ' ' &&
      std::memcmp(p, repeat.series.data(), n) == 0) {
    entry.type = EntryType::kSeries;
    entry.series = std::string_view(p, n);
    entry.metric_name = repeat.metric_name;
    entry.metric_type = repeat.metric_type;
    p += n;
    return OmSampleValue();
  }
  labels.clear();
  const char c = *p;
  if (c != '{' && !internal::IsMetricNameStart(c)) {
    return Expected(p, "metric name, \"{\" or \"#\" at start of line");
  }
  const char* series_end = p;
  if (c != '{') {
    p = internal::ScanMetricNameChars(p + 1, end);
    raw_name =
        std::string_view(entry_start, static_cast<size_t>(p - entry_start));
    name_seen = true;
    series_end = p;
  }
  if (p < end && *p == '{') {
    ++p;
    if (auto st = ParseLabelSet(kOmLabels, &labels); !st.ok()) return st;
    series_end = p;
  }
  if (auto st = FinishSeriesName(series_end); !st.ok()) return st;
  return OmSampleValue();
}

absl::StatusOr<EntryType> Parser::State::OmSampleValue() {
  if (p == end) return Expected(p, "value after metric");
  if (*p != ' ') return Expected(p, "space and value after metric");
  const char* v = ++p;
  p = ScanToken(p, end);
  if (p == v) return Expected(p, "value after metric");
  if (auto st = ParseValueToken(std::string_view(v, static_cast<size_t>(p - v)),
                                "value", &entry.value);
      !st.ok()) {
    return st;
  }

  // Then: newline | " # {" exemplar | " " timestamp [" # {" exemplar].
  if (p == end) return ErrorAt(p, kNoEof);
  if (*p == '\n') {
    ConsumeNewline();
    return EntryType::kSeries;
  }
  if (!At(p, end, " # {")) {
    bool exemplar = false;
    if (auto st = OmSampleTimestamp(&exemplar); !st.ok()) return st;
    if (!exemplar) {
      ConsumeNewline();
      return EntryType::kSeries;
    }
  }
  if (auto st = OmExemplar(); !st.ok()) return st;
  ConsumeNewline();
  return EntryType::kSeries;
}

absl::Status Parser::State::OmSampleTimestamp(bool* exemplar) {
  const char* t = ++p;
  p = ScanToken(p, end);
  if (p == t) return Expected(p, "timestamp, exemplar or end of line");
  std::string_view token(t, static_cast<size_t>(p - t));
  double seconds;
  if (auto st = ParseValueToken(token, "timestamp", &seconds); !st.ok()) {
    return st;
  }
  if (std::isnan(seconds) || std::isinf(seconds)) {
    return ErrorAt(t, Cat("invalid timestamp ", QuoteForError(token)));
  }
  // OpenMetrics timestamps are seconds; Prometheus truncates to ms.
  double ms = seconds * 1000;
  if (std::fabs(ms) >= kMaxAbsTimestampMs) {
    return ErrorAt(t, Cat("timestamp ", QuoteForError(token), " out of range"));
  }
  entry.timestamp_ms = static_cast<int64_t>(ms);
  if (p == end) return ErrorAt(p, kNoEof);
  if (At(p, end, " # {")) {
    *exemplar = true;
  } else if (*p != '\n') {
    return Expected(p, "exemplar or end of line after timestamp");
  }
  return absl::OkStatus();
}

absl::Status Parser::State::OmExemplar() {
  // Exemplars are validated as Prometheus does, then dropped: vigil
  // stores no exemplars.
  entry.has_exemplar = true;
  p += 4;
  exemplar_labels.clear();
  if (auto st = ParseLabelSet(kOmExemplarLabels, &exemplar_labels); !st.ok()) {
    return st;
  }
  if (p == end || *p != ' ') {
    return Expected(p, "value after exemplar labels");
  }
  const char* ev = ++p;
  p = ScanToken(p, end);
  if (p == ev) return Expected(p, "value after exemplar labels");
  double exemplar_value;
  if (auto st =
          ParseValueToken(std::string_view(ev, static_cast<size_t>(p - ev)),
                          "exemplar value", &exemplar_value);
      !st.ok()) {
    return st;
  }
  if (p < end && *p == ' ') {
    if (auto st = OmExemplarTimestamp(); !st.ok()) return st;
  }
  if (p == end) return ErrorAt(p, kNoEof);
  return absl::OkStatus();
}

absl::Status Parser::State::OmExemplarTimestamp() {
  const char* t = ++p;
  p = ScanToken(p, end);
  if (p == t) return Expected(p, "exemplar timestamp");
  std::string_view token(t, static_cast<size_t>(p - t));
  double seconds;
  if (auto st = ParseValueToken(token, "exemplar timestamp", &seconds);
      !st.ok()) {
    return st;
  }
  if (std::isnan(seconds) || std::isinf(seconds)) {
    return ErrorAt(t, Cat("invalid exemplar timestamp ", QuoteForError(token)));
  }
  if (p < end && *p != '\n') {
    return Expected(p, "end of line after exemplar timestamp");
  }
  return absl::OkStatus();
}

}  // namespace vigil::textparse
