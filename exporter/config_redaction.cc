#include "exporter/config_redaction.h"

#include <yaml-cpp/yaml.h>

#include <string_view>

namespace vigil::exporter {
namespace {

constexpr char kSecret[] = "<secret>";

// Fields of Prometheus's config.Secret type, wherever an HTTP client
// config appears (scrape, alerting, remote write, datasource).
bool IsSecretField(std::string_view key) {
  return key == "password" || key == "credentials" || key == "bearer_token" ||
         key == "client_secret" || key == "secret_key";
}

void Redact(YAML::Node node, std::string_view parent_key);

// A YAML::Node refers to its data: assigning a string to a copy changes
// the document.
void RedactAll(YAML::Node node) {
  if (node.IsScalar()) {
    if (!node.Scalar().empty()) node = kSecret;
    return;
  }
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) RedactAll(node[i]);
    return;
  }
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) RedactAll(it->second);
  }
}

void Redact(YAML::Node node, std::string_view parent_key) {
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) Redact(node[i], parent_key);
    return;
  }
  if (!node.IsMap()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    YAML::Node value = it->second;
    const bool secret = IsSecretField(key) ||
                        // An inline private key; key_file is a path.
                        (key == "key" && parent_key == "tls_config");
    if (secret && value.IsScalar()) {
      if (!value.Scalar().empty()) value = kSecret;
      continue;
    }
    // http_headers: {Name: {values: [...], secrets: [...], files: [...]}}
    // and proxy_connect_header: {Name: [secret, ...]}.
    if (key == "secrets" && parent_key == "http_header") {
      RedactAll(value);
      continue;
    }
    if (key == "proxy_connect_header") {
      RedactAll(value);
      continue;
    }
    Redact(value, parent_key == "http_headers" ? "http_header" : key);
  }
}

}  // namespace

std::string RedactedConfigYaml(const std::string& yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception&) {
    return "# the configuration does not parse\n";
  }
  Redact(root, "");
  YAML::Emitter out;
  out << root;
  std::string text = out.c_str();
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  return text;
}

}  // namespace vigil::exporter
