// Accept negotiation for /federate, as expfmt.Negotiate with goautoneg's
// ParseAccept does it, quirks included: only spaces are trimmed, q is read
// as a 32-bit float and reads as 0 when malformed, a media range with q=0
// is still a candidate, and the sort is Go's insertion sort with
// goautoneg's (not strictly weak) ordering, so equal ranges keep their
// order. The escaping parameter follows expfmt too: read from every range
// looked at, the last known one kept.
#include "lib/api/federate_format.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vigil::api {
namespace {

// Media ranges read from one Accept header; the rest are ignored. Go reads
// them all, but the header is a stranger's and the sort is quadratic.
constexpr size_t kMaxAcceptRanges = 64;

constexpr std::string_view kProtoType = "application/vnd.google.protobuf";
constexpr std::string_view kProtoProtocol = "io.prometheus.client.MetricFamily";
constexpr std::string_view kTextVersion = "0.0.4";

struct MediaRange {
  std::string_view type;
  std::string_view subtype;
  double q = 1;
  std::vector<std::pair<std::string_view, std::string_view>> params;

  // The last value given for `key` (Go's map keeps the last), "" if none.
  std::string_view Param(std::string_view key) const {
    std::string_view v;
    for (const auto& [k, value] : params) {
      if (k == key) v = value;
    }
    return v;
  }
};

// strings.Split / strings.SplitN(s, sep, 2) (max_parts 0: no limit).
std::vector<std::string_view> Split(std::string_view s, char sep,
                                    size_t max_parts = 0) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t at = s.find(sep);
    if (at == std::string_view::npos ||
        (max_parts != 0 && parts.size() + 1 == max_parts)) {
      parts.push_back(s);
      return parts;
    }
    parts.push_back(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// strconv.ParseFloat(s, 32) with its error ignored: 0 on bad syntax, ±Inf
// past float32's range.
double GoParseFloat32(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.front() == '+' || s.front() == '-') return 0;
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (end != s.data() + s.size()) return 0;
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves d alone; tell overflow from underflow by exponent.
    const bool tiny = s.find("e-") != std::string_view::npos ||
                      s.find("E-") != std::string_view::npos;
    d = tiny ? 0 : std::numeric_limits<double>::infinity();
  } else if (ec != std::errc()) {
    return 0;
  }
  if (negative) d = -d;
  if (std::isnan(d)) return d;
  if (std::fabs(d) > std::numeric_limits<float>::max()) {
    return std::copysign(std::numeric_limits<double>::infinity(), d);
  }
  return static_cast<double>(static_cast<float>(d));
}

// goautoneg's accept_slice.Less.
bool Before(const MediaRange& a, const MediaRange& b) {
  if (a.q > b.q) return true;
  if (a.type != "*" && b.type == "*") return true;
  if (a.subtype != "*" && b.subtype == "*") return true;
  return false;
}

std::vector<MediaRange> ParseAccept(std::string_view header) {
  std::vector<MediaRange> ranges;
  for (std::string_view part : Split(header, ',')) {
    if (ranges.size() == kMaxAcceptRanges) break;
    part = TrimSpaces(part);
    const std::vector<std::string_view> mrp = Split(part, ';');
    const std::vector<std::string_view> sp = Split(mrp[0], '/');
    MediaRange r;
    r.type = TrimSpaces(sp[0]);
    if (sp.size() == 1 && r.type == "*") {
      r.subtype = "*";
    } else if (sp.size() == 2) {
      r.subtype = TrimSpaces(sp[1]);
    } else {
      continue;
    }
    for (size_t i = 1; i < mrp.size(); ++i) {
      const std::vector<std::string_view> kv = Split(mrp[i], '=', 2);
      if (kv.size() != 2) continue;
      const std::string_view token = TrimSpaces(kv[0]);
      if (token == "q") {
        r.q = GoParseFloat32(kv[1]);  // untrimmed, as goautoneg
      } else {
        r.params.emplace_back(token, TrimSpaces(kv[1]));
      }
    }
    ranges.push_back(std::move(r));
  }
  // Go's sort.Sort on so few elements is an insertion sort.
  for (size_t i = 1; i < ranges.size(); ++i) {
    for (size_t j = i; j > 0 && Before(ranges[j], ranges[j - 1]); --j) {
      std::swap(ranges[j], ranges[j - 1]);
    }
  }
  return ranges;
}

// The format one media range names, if any.
std::optional<FederateFormat> FormatOf(const MediaRange& r) {
  if (r.type.size() + 1 + r.subtype.size() == kProtoType.size() &&
      kProtoType.starts_with(r.type) && kProtoType[r.type.size()] == '/' &&
      kProtoType.ends_with(r.subtype) && r.Param("proto") == kProtoProtocol) {
    const std::string_view encoding = r.Param("encoding");
    if (encoding == "delimited") return FederateFormat::kProtoDelimited;
    if (encoding == "text") return FederateFormat::kProtoText;
    if (encoding == "compact-text") return FederateFormat::kProtoCompact;
  }
  const std::string_view version = r.Param("version");
  if (r.type == "text" && r.subtype == "plain" &&
      (version == kTextVersion || version.empty())) {
    return FederateFormat::kText;
  }
  return std::nullopt;
}

std::string_view FormatContentType(FederateFormat format) {
  switch (format) {
    case FederateFormat::kProtoDelimited:
      return "application/vnd.google.protobuf; "
             "proto=io.prometheus.client.MetricFamily; encoding=delimited";
    case FederateFormat::kProtoText:
      return "application/vnd.google.protobuf; "
             "proto=io.prometheus.client.MetricFamily; encoding=text";
    case FederateFormat::kProtoCompact:
      return "application/vnd.google.protobuf; "
             "proto=io.prometheus.client.MetricFamily; encoding=compact-text";
    case FederateFormat::kText:
      break;
  }
  return "text/plain; version=0.0.4; charset=utf-8";
}

}  // namespace

FederateEncoding NegotiateFederate(std::string_view accept) {
  NameEscaping escaping = kDefaultNameEscaping;
  for (const MediaRange& r : ParseAccept(accept)) {
    // An unknown scheme is ignored, as expfmt ignores it.
    if (std::optional<NameEscaping> e =
            ParseNameEscaping(r.Param("escaping"))) {
      escaping = *e;
    }
    if (std::optional<FederateFormat> f = FormatOf(r)) return {*f, escaping};
  }
  return {FederateFormat::kText, escaping};
}

std::string FederateContentType(const FederateEncoding& encoding) {
  std::string out(FormatContentType(encoding.format));
  out.append("; escaping=");
  out.append(NameEscapingParam(encoding.escaping));
  return out;
}

}  // namespace vigil::api
