// The state behind textparse::Parser and the grammar pieces both formats
// share (cursor, errors, quoted strings, label sets, series epilogue).
// The two grammars live in prom_parser.cc and openmetrics_parser.cc.
// Internal.
#ifndef VIGIL_LIB_TEXTPARSE_PARSER_STATE_H_
#define VIGIL_LIB_TEXTPARSE_PARSER_STATE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/model/absl_compat.h"
#include "lib/textparse/protobuf_reader.h"
#include "vigil/textparse.h"

namespace vigil::textparse {

// How a label set is written in each format (Prometheus's promlex.l vs.
// openmetricslex.l).
struct LabelSetRules {
  // Text format: spaces and tabs may surround every token.
  bool allow_blanks;
  // OpenMetrics: a label value must be followed by ',' or '}'. The text
  // format accepts `{a="1" b="2"}` (Prometheus keeps that quirk).
  bool require_separator;
  // The text format's label values may contain a raw newline; OpenMetrics's
  // may not.
  bool newline_in_values;
  // Exemplar label sets cannot carry a quoted metric name.
  bool exemplar;
};

struct Parser::State {
  State(std::string_view in, Format f, ParserOptions o);

  // --- cursor ---
  const char* begin;
  const char* p;
  const char* end;
  size_t line = 1;  // line of *p
  // Parser::Continue(): lines and bytes of the pieces before `begin`.
  size_t base_lines = 0;
  size_t base_bytes = 0;
  const char* entry_start;  // first byte of the current entry
  Format format;
  ParserOptions options;
  // Format::kProtobuf only: the reader that does all the work.
  std::unique_ptr<internal::ProtoReader> proto;

  // --- result of the last Next() ---
  Entry entry;
  absl::Status status;  // sticky error
  bool finished = false;
  std::vector<LabelRef> labels;
  // The sample line before this entry, when the entry before was one:
  // its series text, name and type, with `labels` still its labels.
  struct Repeat {
    std::string_view series;
    std::string_view metric_name;
    MetricType metric_type = MetricType::kUnknown;
  } repeat;
  std::string_view raw_name;  // metric name as written, quotes removed
  bool name_seen = false;
  const char* name_at = nullptr;
  std::vector<LabelRef> exemplar_labels;  // scratch, validated then dropped
  std::string name_scratch;               // unescaped names
  std::string text_scratch;               // unescaped HELP
  std::vector<std::string_view> dup_scratch;
  std::string dup_arena;

  // --- metadata carried between entries ---
  std::string family;  // last TYPE'd family, unescaped
  bool has_family = false;
  MetricType declared_type = MetricType::kUnknown;  // last TYPE's type

  absl::StatusOr<EntryType> NextEntry();
  absl::StatusOr<EntryType> NextProm();
  absl::StatusOr<EntryType> NextOpenMetrics();

  // --- OpenMetrics lines (openmetrics_parser.cc) ---
  // At '#': `# HELP`, `# TYPE`, `# UNIT` or `# EOF`.
  absl::StatusOr<EntryType> OmCommentLine();
  absl::StatusOr<EntryType> OmEof();
  absl::StatusOr<EntryType> OmUnit(std::string_view text, const char* text_at);
  // A sample: name and labels, value, then newline, timestamp or exemplar;
  // at the end of the data, the missing `# EOF`.
  absl::StatusOr<EntryType> OmSampleLine();
  // After a sample's series: the value and what follows it.
  absl::StatusOr<EntryType> OmSampleValue();
  // At the space before a sample's timestamp; *exemplar when one follows.
  absl::Status OmSampleTimestamp(bool* exemplar);
  // At " # {": the exemplar, validated and dropped.
  absl::Status OmExemplar();
  // At the space before an exemplar's timestamp.
  absl::Status OmExemplarTimestamp();

  // --- shared grammar pieces ---
  void SkipBlanks() {
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
  }
  // At '\n' (or the end): step past it.
  void ConsumeNewline() {
    if (p < end) {
      ++p;
      ++line;
    }
  }
  // `*p == '"'`: scans to the closing quote; *content gets the bytes
  // between the quotes (escapes kept). `what` names the string in errors.
  // *ascii (when given) says whether every byte was below 0x80, so that the
  // caller's UTF-8 check can be skipped.
  absl::Status ScanQuoted(bool allow_newline, std::string_view what,
                          std::string_view* content, bool* ascii = nullptr);
  // After '{': the label set up to and including '}'.
  absl::Status ParseLabelSet(const LabelSetRules& rules,
                             std::vector<LabelRef>* out);
  // Once name and labels are read: checks them and fills entry.series,
  // entry.metric_name and entry.metric_type.
  absl::Status FinishSeriesName(const char* series_end);
  // Parses a float token for a sample value or exemplar value.
  absl::Status ParseValueToken(std::string_view token, std::string_view what,
                               double* out);
  // After HELP/TYPE/UNIT (`keyword`, for errors) and its blank: the
  // family's (maybe quoted) name into entry.metric_name.
  absl::Status ParseFamilyName(std::string_view keyword);
  // HELP's text (starting at `at`) into entry.text, unescaped; `quotes`
  // when \" is an escape too (OpenMetrics).
  absl::StatusOr<EntryType> ApplyHelp(std::string_view text, const char* at,
                                      bool quotes);
  absl::Status ApplyType(std::string_view text, const char* at,
                         const char* const* names, const MetricType* types,
                         size_t n);

  // --- errors ---
  // "line L, column C (byte B): <what>".
  absl::Status ErrorAt(const char* at, std::string_view what) const;
  // "... expected <what>, got <token at `at`>".
  absl::Status Expected(const char* at, std::string_view what) const;
};

// Go-style quoting of a byte string for error messages, e.g. "a\n".
std::string QuoteForError(std::string_view s);

}  // namespace vigil::textparse

#endif  // VIGIL_LIB_TEXTPARSE_PARSER_STATE_H_
