// Parser: the entry loop, limits, errors and the grammar pieces both
// formats share.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"
#include "lib/textparse/lexer.h"
#include "lib/textparse/parser_state.h"
#include "vigil/textparse.h"

namespace vigil::textparse {

using internal::FloatStatus;

namespace {

// Longest piece of input quoted after "got" in an error.
constexpr size_t kMaxGotBytes = 24;
// Below this many names, duplicate detection compares pairwise instead of
// sorting.
constexpr size_t kPairwiseDuplicateCheck = 16;

// `raw` with its escapes resolved into *scratch, or `raw` itself when it has
// none (the common case, without a copy).
inline std::string_view Unescaped(std::string_view raw, bool quotes,
                                  std::string* scratch) {
  if (raw.find('\\') == std::string_view::npos) return raw;
  scratch->clear();
  internal::AppendUnescaped(raw, quotes, scratch);
  return *scratch;
}

// The first '"', '\\' or '\n' in [q, end), or end; sets *high when a byte
// before it is 0x80 or above. Label values are most of a KSM payload's
// bytes: SSE2 looks at sixteen of them per step.
const char* FindQuotedSpecial(const char* q, const char* end, bool* high) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i newline = _mm_set1_epi8('\n');
  while (end - q >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    const unsigned special = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                  _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmpeq_epi8(v, newline))));
    const unsigned high_bits = static_cast<unsigned>(_mm_movemask_epi8(v));
    if (special != 0) {
      const int i = std::countr_zero(special);
      if ((high_bits & ((1u << i) - 1)) != 0) *high = true;
      return q + i;
    }
    if (high_bits != 0) *high = true;
    q += 16;
  }
#endif
  for (; q < end; ++q) {
    const char c = *q;
    if (c == '"' || c == '\\' || c == '\n') return q;
    if (static_cast<unsigned char>(c) >= 0x80) *high = true;
  }
  return end;
}

bool IsTokenBreak(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '{' || c == '}' ||
         c == '=' || c == ',' || c == '"' || c == '#';
}

}  // namespace

std::string QuoteForError(std::string_view s) { return QuoteString(s); }

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kUnknown:
      return "unknown";
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kGaugeHistogram:
      return "gaugehistogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kInfo:
      return "info";
    case MetricType::kStateset:
      return "stateset";
  }
  return "unknown";
}

Parser::State::State(std::string_view in, Format f, ParserOptions o)
    : begin(in.data()),
      p(in.data()),
      end(in.data() + in.size()),
      entry_start(in.data()),
      format(f),
      options(o) {
  if (f == Format::kProtobuf) {
    proto = std::make_unique<internal::ProtoReader>(in, o);
  }
}

absl::Status Parser::State::ErrorAt(const char* at,
                                    std::string_view what) const {
  at = std::clamp(at, begin, end);
  size_t line_no =
      base_lines + 1 + static_cast<size_t>(std::count(begin, at, '\n'));
  const char* line_begin = at;
  while (line_begin > begin && line_begin[-1] != '\n') --line_begin;
  return absl::InvalidArgumentError(
      Cat("line ", line_no, ", column ", at - line_begin + 1, " (byte ",
          base_bytes + static_cast<size_t>(at - begin), "): ", what));
}

absl::Status Parser::State::Expected(const char* at,
                                     std::string_view what) const {
  at = std::clamp(at, begin, end);
  if (at == end) {
    return ErrorAt(at, Cat("expected ", what, ", got end of input"));
  }
  const char* stop = at + 1;
  if (!IsTokenBreak(*at)) {
    while (stop < end && !IsTokenBreak(*stop) &&
           static_cast<size_t>(stop - at) < kMaxGotBytes) {
      ++stop;
    }
  }
  return ErrorAt(
      at,
      Cat("expected ", what, ", got ",
          QuoteForError(std::string_view(at, static_cast<size_t>(stop - at)))));
}

absl::Status Parser::State::ScanQuoted(bool allow_newline,
                                       std::string_view what,
                                       std::string_view* content, bool* ascii) {
  const char* open = p;
  const char* q = p + 1;
  size_t newlines = 0;
  bool high = false;
  for (;;) {
    q = FindQuotedSpecial(q, end, &high);
    if (q == end) break;
    if (*q == '"') {
      *content = std::string_view(open + 1, static_cast<size_t>(q - open - 1));
      p = q + 1;
      line += newlines;
      if (ascii != nullptr) *ascii = !high;
      return absl::OkStatus();
    }
    if (*q == '\\') {
      // Prometheus's lexers accept `\\.`: any escaped byte but a newline.
      if (q + 1 < end && q[1] != '\n') {
        if (static_cast<unsigned char>(q[1]) >= 0x80) high = true;
        q += 2;
        continue;
      }
      return ErrorAt(q, Cat("invalid escape at end of line in ", what));
    }
    // '\n'
    if (!allow_newline) {
      return ErrorAt(
          q, Cat("unterminated ", what, ": newline before closing quote"));
    }
    ++newlines;
    ++q;
  }
  return ErrorAt(open, Cat("unterminated ", what,
                           ": no closing quote before end of input"));
}

absl::Status Parser::State::ParseLabelSet(const LabelSetRules& rules,
                                          std::vector<LabelRef>* out) {
  for (;;) {
    if (rules.allow_blanks) SkipBlanks();
    if (p == end) return Expected(p, "label name or \"}\"");
    if (*p == '}') {
      ++p;
      return absl::OkStatus();
    }
    const char* at = p;
    std::string_view name;
    bool quoted = false;
    if (*p == '"') {
      bool ascii = false;
      if (auto st = ScanQuoted(!rules.exemplar, "quoted name", &name, &ascii);
          !st.ok()) {
        return st;
      }
      if (!ascii && !IsValidUtf8(name)) {
        return ErrorAt(at, "invalid UTF-8 in quoted name");
      }
      quoted = true;
      if (rules.allow_blanks) SkipBlanks();
      // Prometheus 3: a lone quoted string in the braces is the metric name,
      // `{"my.metric", a="b"}`.
      if (p < end && (*p == ',' || *p == '}')) {
        if (rules.exemplar) return Expected(p, "\"=\" after label name");
        if (name_seen) return ErrorAt(at, "metric name already set");
        if (name.empty()) return ErrorAt(at, "empty metric name");
        raw_name = name;
        name_seen = true;
        name_at = at;
        if (*p == ',') ++p;
        continue;
      }
    } else if (internal::IsLabelNameStart(*p)) {
      p = internal::ScanLabelNameChars(p + 1, end);
      name = std::string_view(at, static_cast<size_t>(p - at));
    } else {
      return Expected(p, "label name or \"}\"");
    }
    if (quoted && name.empty()) return ErrorAt(at, "empty label name");
    if (rules.allow_blanks) SkipBlanks();
    if (p == end || *p != '=') return Expected(p, "\"=\" after label name");
    ++p;
    if (rules.allow_blanks) SkipBlanks();
    if (p == end || *p != '"') return Expected(p, "quoted label value");
    const char* value_at = p;
    std::string_view value;
    bool ascii = false;
    if (auto st =
            ScanQuoted(rules.newline_in_values, "label value", &value, &ascii);
        !st.ok()) {
      return st;
    }
    if (!ascii && !IsValidUtf8(value)) {
      return ErrorAt(value_at, "invalid UTF-8 in label value");
    }
    if (out->size() >= options.max_labels_per_series) {
      return ErrorAt(at, Cat("more than ", options.max_labels_per_series,
                             " labels in one label set"));
    }
    out->push_back(LabelRef{name, value});
    if (rules.allow_blanks) SkipBlanks();
    if (p < end && *p == ',') {
      ++p;
      continue;
    }
    if (rules.require_separator && (p == end || *p != '}')) {
      return Expected(p, "\",\" or \"}\" after label value");
    }
  }
}

absl::Status Parser::State::FinishSeriesName(const char* series_end) {
  if (!name_seen) {
    return ErrorAt(entry_start,
                   "metric name not set: expected a name before "
                   "\"{\" or a quoted name inside it");
  }
  entry.type = EntryType::kSeries;
  entry.series = std::string_view(
      entry_start, static_cast<size_t>(series_end - entry_start));
  // Only quoted names can carry escapes; resolve them once per series.
  entry.metric_name = Unescaped(raw_name, true, &name_scratch);

  // Prometheus rejects a sample whose label names repeat (scrape: "label
  // name is not unique"); __name__ counts, so `a{__name__="b"}` fails too.
  dup_scratch.clear();
  dup_arena.clear();
  size_t arena_need = 0;
  for (const LabelRef& l : labels) arena_need += l.name.size();
  dup_arena.reserve(arena_need);
  dup_scratch.push_back(kMetricName);
  for (const LabelRef& l : labels) {
    if (l.name.find('\\') == std::string_view::npos) {
      dup_scratch.push_back(l.name);
      continue;
    }
    size_t start = dup_arena.size();
    internal::AppendUnescaped(l.name, true, &dup_arena);
    dup_scratch.push_back(
        std::string_view(dup_arena).substr(start, dup_arena.size() - start));
  }
  std::string_view dup;
  if (dup_scratch.size() <= kPairwiseDuplicateCheck) {
    for (size_t i = 1; i < dup_scratch.size() && dup.empty(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (dup_scratch[i] == dup_scratch[j]) {
          dup = dup_scratch[i];
          break;
        }
      }
    }
  } else {
    std::sort(dup_scratch.begin(), dup_scratch.end());
    auto it = std::adjacent_find(dup_scratch.begin(), dup_scratch.end());
    if (it != dup_scratch.end()) dup = *it;
  }
  if (!dup.empty()) {
    return ErrorAt(entry_start,
                   Cat("label name ", QuoteForError(dup), " is not unique"));
  }

  entry.metric_type = has_family && IsSeriesOfFamily(entry.metric_name, family,
                                                     declared_type, format)
                          ? declared_type
                          : MetricType::kUnknown;
  return absl::OkStatus();
}

absl::Status Parser::State::ParseValueToken(std::string_view token,
                                            std::string_view what,
                                            double* out) {
  switch (internal::ParseFloat(token, out)) {
    case FloatStatus::kOk:
      // Prometheus stores every NaN from a payload as value.NormalNaN.
      if (std::isnan(*out)) {
        *out = std::bit_cast<double>(internal::kNormalNaNBits);
      }
      return absl::OkStatus();
    case FloatStatus::kUnsupportedChar:
      return ErrorAt(token.data(), Cat("unsupported character in float ", what,
                                       " ", QuoteForError(token)));
    case FloatStatus::kOutOfRange:
      return ErrorAt(token.data(),
                     Cat(what, " ", QuoteForError(token), " out of range"));
    case FloatStatus::kSyntax:
      break;
  }
  return ErrorAt(token.data(), Cat("invalid ", what, " ", QuoteForError(token),
                                   ": expected a float"));
}

absl::Status Parser::State::ParseFamilyName(std::string_view keyword) {
  std::string_view name;
  bool quoted = false;
  if (p < end && *p == '"') {
    const char* at = p;
    if (auto st = ScanQuoted(true, "quoted metric name", &name); !st.ok()) {
      return st;
    }
    if (!IsValidUtf8(name)) return ErrorAt(at, "invalid UTF-8 in quoted name");
    if (name.empty()) return ErrorAt(at, "empty metric name");
    quoted = true;
  } else if (p < end && internal::IsMetricNameStart(*p)) {
    const char* n = p;
    p = internal::ScanMetricNameChars(p + 1, end);
    name = std::string_view(n, static_cast<size_t>(p - n));
  } else {
    return Expected(p, Cat("metric name after ", keyword));
  }
  entry.metric_name = quoted ? Unescaped(name, true, &name_scratch) : name;
  return absl::OkStatus();
}

absl::StatusOr<EntryType> Parser::State::ApplyHelp(std::string_view text,
                                                   const char* at,
                                                   bool quotes) {
  if (!IsValidUtf8(text)) return ErrorAt(at, "help text is not valid UTF-8");
  entry.type = EntryType::kHelp;
  entry.text = Unescaped(text, quotes, &text_scratch);
  return EntryType::kHelp;
}

absl::Status Parser::State::ApplyType(std::string_view text, const char* at,
                                      const char* const* names,
                                      const MetricType* types, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (text == names[i]) {
      entry.type = EntryType::kType;
      entry.metric_type = types[i];
      entry.text = text;
      family.assign(entry.metric_name);
      has_family = true;
      declared_type = types[i];
      return absl::OkStatus();
    }
  }
  return ErrorAt(at, Cat("invalid metric type ", QuoteForError(text)));
}

absl::StatusOr<EntryType> Parser::State::NextEntry() {
  for (;;) {
    // A sample line that repeats the series text of the sample line just
    // before may reuse its name and labels (OmSampleLine); they are views
    // into that line, which is in the same piece of input.
    if (entry.type == EntryType::kSeries && format == Format::kOpenMetrics) {
      repeat = {entry.series, entry.metric_name, entry.metric_type};
    } else {
      repeat = {};
    }
    if (repeat.series.empty()) labels.clear();
    raw_name = {};
    name_seen = false;
    name_at = nullptr;
    entry = Entry{};
    entry_start = p;
    if (proto != nullptr) return proto->Next(&entry, &labels, &declared_type);
    absl::StatusOr<EntryType> r =
        format == Format::kOpenMetrics ? NextOpenMetrics() : NextProm();
    if (!r.ok() || *r == EntryType::kEof) return r;
    if (static_cast<size_t>(p - entry_start) > options.max_entry_bytes) {
      return ErrorAt(entry_start, Cat("entry of ", p - entry_start,
                                      " bytes exceeds the limit of ",
                                      options.max_entry_bytes, " bytes"));
    }
    // OpenMetrics `_created` lines carry a start time, not a sample; skip
    // them on request as Prometheus's OpenMetricsSkipSTSeries does.
    if (*r == EntryType::kSeries && options.skip_created_series &&
        format == Format::kOpenMetrics &&
        (declared_type == MetricType::kCounter ||
         declared_type == MetricType::kHistogram ||
         declared_type == MetricType::kSummary) &&
        entry.metric_name.ends_with("_created")) {
      continue;
    }
    return r;
  }
}

Parser::Parser(std::string_view input, Format format, ParserOptions options)
    : state_(std::make_unique<State>(input, format, options)) {}
Parser::~Parser() = default;
Parser::Parser(Parser&&) noexcept = default;
Parser& Parser::operator=(Parser&&) noexcept = default;

absl::StatusOr<EntryType> Parser::Next() {
  State& s = *state_;
  if (!s.status.ok()) return s.status;
  if (s.finished) return EntryType::kEof;
  absl::StatusOr<EntryType> r = s.NextEntry();
  if (!r.ok()) {
    s.status = r.status();
    s.entry = Entry{};
    s.labels.clear();
    return r;
  }
  if (*r == EntryType::kEof) {
    s.finished = true;
    s.entry = Entry{};
    s.entry.line = s.line;
  }
  return r;
}

const Entry& Parser::entry() const { return state_->entry; }
size_t Parser::label_count() const { return state_->labels.size(); }
LabelRef Parser::label(size_t i) const { return state_->labels[i]; }
Format Parser::format() const { return state_->format; }

size_t Parser::consumed() const {
  return static_cast<size_t>(state_->p - state_->begin);
}

void Parser::Continue(std::string_view next) {
  State& s = *state_;
  // `line` counts every newline consumed, those inside quoted values too.
  s.base_lines = s.line - 1;
  s.base_bytes += static_cast<size_t>(s.p - s.begin);
  s.entry.type = EntryType::kEof;  // no repeat of a line in the old piece
  s.begin = s.p = s.entry_start = next.data();
  s.end = next.data() + next.size();
}

}  // namespace vigil::textparse
