// The Prometheus text exposition format 0.0.4, as Prometheus 3 reads it
// (model/textparse/promparse.go, promlex.l): blanks between all tokens,
// `#` comments, HELP and TYPE metadata, quoted UTF-8 names.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/model/utf8.h"
#include "lib/textparse/lexer.h"
#include "lib/textparse/parser_state.h"

namespace vigil::textparse {
namespace {

constexpr LabelSetRules kPromLabels{.allow_blanks = true,
                                    .require_separator = false,
                                    .newline_in_values = true,
                                    .exemplar = false};

// The text format's TYPE words; "untyped" is Prometheus's unknown.
constexpr const char* kPromTypeNames[] = {"counter", "gauge", "histogram",
                                          "summary", "untyped"};
constexpr MetricType kPromTypes[] = {
    MetricType::kCounter, MetricType::kGauge, MetricType::kHistogram,
    MetricType::kSummary, MetricType::kUnknown};
static_assert(std::size(kPromTypeNames) == std::size(kPromTypes));

const char* FindEol(const char* p, const char* end) {
  const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
  return nl ? static_cast<const char*>(nl) : end;
}

bool StartsWithWord(const char* p, const char* end, std::string_view word) {
  return static_cast<size_t>(end - p) > word.size() &&
         std::memcmp(p, word.data(), word.size()) == 0 &&
         internal::IsBlank(p[word.size()]);
}

}  // namespace

absl::StatusOr<EntryType> Parser::State::NextProm() {
  for (;;) {
    SkipBlanks();
    entry_start = p;
    entry.line = line;
    if (p == end) return EntryType::kEof;
    char c = *p;
    if (c == '\n') {  // blank line
      ConsumeNewline();
      continue;
    }
    if (c == '#') break;
    if (c == '{' || internal::IsMetricNameStart(c)) {
      // --- series: name, optional label set, value, optional timestamp ---
      const char* series_end = p;
      if (c != '{') {
        p = internal::ScanMetricNameChars(p + 1, end);
        raw_name =
            std::string_view(entry_start, static_cast<size_t>(p - entry_start));
        name_seen = true;
        series_end = p;
        SkipBlanks();
      }
      if (p < end && *p == '{') {
        ++p;
        if (auto st = ParseLabelSet(kPromLabels, &labels); !st.ok()) return st;
        series_end = p;
        SkipBlanks();
      }
      if (auto st = FinishSeriesName(series_end); !st.ok()) return st;
      // promlex.l: a value is [^{ \t\n]+.
      const char* v = p;
      while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '{') {
        ++p;
      }
      if (p == v) return Expected(p, "value after metric");
      if (auto st =
              ParseValueToken(std::string_view(v, static_cast<size_t>(p - v)),
                              "value", &entry.value);
          !st.ok()) {
        return st;
      }
      SkipBlanks();
      if (p < end && internal::IsDigit(*p)) {
        // promlex.l: a timestamp is {D}+, integer milliseconds, no sign.
        const char* t = p;
        while (p < end && internal::IsDigit(*p)) ++p;
        std::string_view digits(t, static_cast<size_t>(p - t));
        int64_t ts;
        if (!internal::ParseDigitsInt64(digits, &ts)) {
          return ErrorAt(
              t, Cat("timestamp ", QuoteForError(digits), " out of range"));
        }
        entry.timestamp_ms = ts;
        SkipBlanks();
        if (p < end && *p != '\n') {
          return Expected(p, "end of line after timestamp");
        }
      } else if (p < end && *p != '\n') {
        return Expected(p, "timestamp or end of line after value");
      }
      ConsumeNewline();
      return EntryType::kSeries;
    }
    return Expected(p, "metric name, \"{\" or \"#\" at start of line");
  }

  // --- '#': HELP, TYPE or a comment ---
  const char* q = p + 1;
  bool help = false;
  bool type = false;
  if (q < end && internal::IsBlank(*q)) {
    while (q < end && internal::IsBlank(*q)) ++q;
    help = StartsWithWord(q, end, "HELP");
    type = !help && StartsWithWord(q, end, "TYPE");
  }
  if (!help && !type) {
    // promlex.l: anything else after '#' is a comment, up to the newline.
    const char* eol = FindEol(p, end);
    entry.type = EntryType::kComment;
    entry.text = std::string_view(p, static_cast<size_t>(eol - p));
    p = eol;
    ConsumeNewline();
    return EntryType::kComment;
  }
  std::string_view keyword = help ? "HELP" : "TYPE";
  p = q + 4;
  SkipBlanks();
  if (auto st = ParseFamilyName(keyword); !st.ok()) return st;
  // promlex.l's text token is the rest of the line with its first byte (the
  // separator) dropped; a rest made only of blanks is empty text.
  const char* eol = FindEol(p, end);
  std::string_view rest(p, static_cast<size_t>(eol - p));
  std::string_view text;
  if (rest.find_first_not_of(" \t") != std::string_view::npos) {
    text = rest.substr(1);
  }
  const char* text_at = rest.empty() ? p : p + 1;
  p = eol;
  ConsumeNewline();
  if (type) {
    if (auto st = ApplyType(text, text_at, kPromTypeNames, kPromTypes,
                            std::size(kPromTypes));
        !st.ok()) {
      return st;
    }
    return EntryType::kType;
  }
  // The text format escapes only \\ and \n in HELP.
  return ApplyHelp(text, text_at, /*quotes=*/false);
}

}  // namespace vigil::textparse
