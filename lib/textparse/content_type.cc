// Choosing a parser from a scrape response's Content-Type, as Prometheus's
// textparse.New does, with the text format as the fallback protocol.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/textparse/parser_state.h"
#include "vigil/textparse.h"

namespace vigil::textparse {
namespace {

struct MediaTypeRow {
  std::string_view media_type;
  Format format;
};

// Media types vigil parses, as Prometheus's textparse.New: the protobuf
// type's proto= and encoding= parameters are not checked, as there.
constexpr MediaTypeRow kMediaTypes[] = {
    {"application/openmetrics-text", Format::kOpenMetrics},
    {"text/plain", Format::kPrometheusText},
    {"application/vnd.google.protobuf", Format::kProtobuf},
};

constexpr std::string_view kFallback = "using the Prometheus text format 0.0.4";

}  // namespace

FormatChoice ChooseFormat(std::string_view content_type) {
  FormatChoice choice;
  std::string_view trimmed = content_type;
  while (!trimmed.empty() &&
         (trimmed.front() == ' ' || trimmed.front() == '\t'))
    trimmed.remove_prefix(1);
  if (trimmed.empty()) {
    choice.warning = Cat(
        "non-compliant scrape target sending blank Content-Type, ", kFallback);
    return choice;
  }
  // The media type is everything before the first ';' (RFC 7231), compared
  // case-insensitively; parameters such as version= do not change the
  // parser, as in Prometheus.
  std::string_view media = trimmed.substr(0, trimmed.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t'))
    media.remove_suffix(1);
  std::string lower =
      absl::AsciiStrToLower(absl::string_view(media.data(), media.size()));
  for (const MediaTypeRow& row : kMediaTypes) {
    if (lower == row.media_type) {
      choice.format = row.format;
      return choice;
    }
  }
  choice.warning = Cat("received unsupported Content-Type ",
                       QuoteForError(content_type), ", ", kFallback);
  return choice;
}

}  // namespace vigil::textparse
