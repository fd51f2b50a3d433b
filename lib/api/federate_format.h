// The exposition format of a /federate answer, chosen from the request's
// Accept header as Prometheus 3's federation handler chooses it
// (prometheus/common expfmt.Negotiate, which never offers OpenMetrics):
// the protobuf MetricFamily stream in one of its three encodings, else the
// text format 0.0.4, and the escaping of names that are not legacy names
// (lib/model/name_escaping.h), which the Content-Type states. Internal to
// the API.
#ifndef VIGIL_LIB_API_FEDERATE_FORMAT_H_
#define VIGIL_LIB_API_FEDERATE_FORMAT_H_

#include <string>
#include <string_view>

#include "lib/model/name_escaping.h"

namespace vigil::api {

enum class FederateFormat {
  kText,            // text/plain; version=0.0.4
  kProtoDelimited,  // varint-length-prefixed MetricFamily messages
  kProtoText,       // protobuf text format, one family after another
  kProtoCompact,    // protobuf text format, one family per line
};

struct FederateEncoding {
  FederateEncoding(FederateFormat format, NameEscaping escaping)
      : format(format), escaping(escaping) {}
  FederateFormat format;
  NameEscaping escaping;
};

// expfmt.Negotiate over one Accept header value: media ranges in the order
// goautoneg sorts them (by q, then concrete before wildcard), the first
// that names a supported format wins; none (or garbage) gives kText. The
// escaping is the last known `escaping` parameter of the ranges looked at
// up to and including the winner — also of ranges passed over, as expfmt
// reads it before matching — else kDefaultNameEscaping.
FederateEncoding NegotiateFederate(std::string_view accept);

// The answer's Content-Type: expfmt's Format string with
// "; escaping=<scheme>" appended.
std::string FederateContentType(const FederateEncoding& encoding);

// Whether the format can carry native histograms (the protobuf ones).
inline bool CarriesNativeHistograms(FederateFormat format) {
  return format != FederateFormat::kText;
}

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_FEDERATE_FORMAT_H_
