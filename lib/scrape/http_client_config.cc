// Prometheus's HTTP client settings (basic_auth, authorization,
// tls_config) applied to a request, and written into config fingerprints;
// shared by scrape loops and other clients configured the same way.
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "vigil/http_client.h"
#include "vigil/scrape.h"

namespace vigil::scrape {
namespace {

absl::StatusOr<std::string> ReadSecretFile(const std::string& path,
                                           std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::UnavailableError(
        absl::StrCat("unable to read ", ToAbsl(what), " file ", path));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(buf.str()));
}

}  // namespace

absl::Status ApplyHttpClientConfig(
    const std::optional<BasicAuth>& basic_auth,
    const std::optional<Authorization>& authorization, const TlsConfig& tls,
    http::Request* req) {
  if (basic_auth) {
    req->basic_auth_user = basic_auth->username;
    req->basic_auth_password = basic_auth->password;
    if (!basic_auth->password_file.empty()) {
      auto pw =
          ReadSecretFile(basic_auth->password_file, "basic auth password");
      if (!pw.ok()) return pw.status();
      req->basic_auth_password = *std::move(pw);
    }
    // libcurl sends basic auth only for a non-empty user; Prometheus sends
    // it whenever basic_auth is set.
    if (req->basic_auth_user.empty()) {
      req->headers.emplace_back("Authorization", "Basic Og==");
    }
  }
  if (authorization) {
    std::string credentials = authorization->credentials;
    if (!authorization->credentials_file.empty()) {
      auto c = ReadSecretFile(authorization->credentials_file,
                              "authorization credentials");
      if (!c.ok()) return c.status();
      credentials = *std::move(c);
    }
    req->headers.emplace_back(
        "Authorization", absl::StrCat(authorization->type, " ", credentials));
  }
  req->tls.ca_file = tls.ca_file;
  req->tls.cert_file = tls.cert_file;
  req->tls.key_file = tls.key_file;
  req->tls.server_name = tls.server_name;
  req->tls.insecure_skip_verify = tls.insecure_skip_verify;
  return absl::OkStatus();
}

void AppendHttpClientFingerprint(
    const std::optional<BasicAuth>& basic_auth,
    const std::optional<Authorization>& authorization, const TlsConfig& t,
    std::string* out) {
  if (basic_auth) {
    absl::StrAppend(out, "\x1f", basic_auth->username, ":",
                    basic_auth->password, ":", basic_auth->password_file);
  }
  if (authorization) {
    absl::StrAppend(out, "\x1f", authorization->type, ":",
                    authorization->credentials, ":",
                    authorization->credentials_file);
  }
  absl::StrAppend(out, "\x1f", t.ca_file, ":", t.cert_file, ":", t.key_file,
                  ":", t.server_name, ":", t.insecure_skip_verify, "\x1f");
}

void AppendRelabelFingerprint(const std::vector<relabel::Config>& cs,
                              std::string* out) {
  for (const relabel::Config& c : cs) {
    absl::StrAppend(out, "[", c.source_labels.size(), ":");
    for (const std::string& s : c.source_labels) absl::StrAppend(out, s, ",");
    absl::StrAppend(out, c.separator, "|", c.regex.pattern(), "|",
                    c.regex.is_default(), "|", c.modulus, "|", c.target_label,
                    "|", c.replacement, "|",
                    ToAbsl(relabel::ActionName(c.action)), "]");
  }
}

}  // namespace vigil::scrape
