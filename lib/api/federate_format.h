// The exposition format of a /federate answer, chosen from the request's
// Accept header as Prometheus's federation handler chooses it
// (prometheus/common expfmt.Negotiate, which never offers OpenMetrics):
// the protobuf MetricFamily stream in one of its three encodings, else the
// text format 0.0.4. Internal to the API.
#ifndef VIGIL_LIB_API_FEDERATE_FORMAT_H_
#define VIGIL_LIB_API_FEDERATE_FORMAT_H_

#include <string_view>

namespace vigil::api {

enum class FederateFormat {
  kText,            // text/plain; version=0.0.4
  kProtoDelimited,  // varint-length-prefixed MetricFamily messages
  kProtoText,       // protobuf text format, one family after another
  kProtoCompact,    // protobuf text format, one family per line
};

// expfmt.Negotiate over one Accept header value: media ranges in the order
// goautoneg sorts them (by q, then concrete before wildcard), the first
// that names a supported format wins; none (or garbage) gives kText.
FederateFormat NegotiateFederateFormat(std::string_view accept);

// The answer's Content-Type (expfmt's Format strings).
std::string_view FederateContentType(FederateFormat format);

// Whether the format can carry native histograms (the protobuf ones).
inline bool CarriesNativeHistograms(FederateFormat format) {
  return format != FederateFormat::kText;
}

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_FEDERATE_FORMAT_H_
