// The loaded configuration as /api/v1/status/config and the Status page
// show it: every secret replaced by "<secret>", as Prometheus's config
// marshalling does for its Secret fields (basic_auth passwords,
// authorization credentials, bearer tokens, OAuth2 client secrets, inline
// TLS keys, secret headers), so reading the status never hands out a
// credential. The text is re-emitted from the parsed YAML (comments and
// layout are not kept), as Prometheus re-marshals its config.
#ifndef VIGIL_EXPORTER_CONFIG_REDACTION_H_
#define VIGIL_EXPORTER_CONFIG_REDACTION_H_

#include <string>

namespace vigil::exporter {

// `yaml` is a configuration that loaded; a text that does not parse (it
// cannot have loaded) yields a one-line YAML comment saying so, never the
// text itself.
std::string RedactedConfigYaml(const std::string& yaml);

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_CONFIG_REDACTION_H_
