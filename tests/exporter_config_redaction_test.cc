// /api/v1/status/config and the Status page never show a credential.
#include <string>

#include "exporter/config_redaction.h"
#include "gtest/gtest.h"

namespace vigil::exporter {
namespace {

TEST(ConfigRedactionTest, EverySecretFieldIsReplacedAndNothingElse) {
  const std::string config = R"(global:
  scrape_interval: 15s
scrape_configs:
  - job_name: ksm
    basic_auth:
      username: scraper
      password: hunter2
    tls_config:
      cert_file: /etc/tls/crt
      key: |
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBg
        -----END PRIVATE KEY-----
    http_headers:
      X-Tenant:
        values: [team-a]
        secrets: [s3cr3t-header]
    proxy_connect_header:
      Proxy-Authorization: [Basic Zm9vOmJhcg==]
    static_configs:
      - targets: ['ksm:8080']
        labels: {password: not-a-secret-label-value-kept-as-is}
alerting:
  alertmanagers:
    - authorization:
        type: Bearer
        credentials: am-token
      oauth2:
        client_id: vigil
        client_secret: oauth-secret
remote_write:
  - url: https://mimir/api/v1/push
    bearer_token: rw-token
    basic_auth:
      username: u
      password_file: /etc/secret/pw
datasource:
  url: https://thanos/
  authorization:
    credentials: ds-token
)";
  const std::string out = RedactedConfigYaml(config);
  for (const char* secret :
       {"hunter2", "MIIEvQIBADANBg", "s3cr3t-header", "Zm9vOmJhcg", "am-token",
        "oauth-secret", "rw-token", "ds-token"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in\n" << out;
  }
  // What is not a secret stays: names, paths, URLs, non-secret headers.
  for (const char* kept :
       {"scraper", "/etc/tls/crt", "team-a", "ksm:8080", "vigil",
        "/etc/secret/pw", "https://mimir/api/v1/push", "Bearer", "15s"}) {
    EXPECT_NE(out.find(kept), std::string::npos) << kept << " not in\n" << out;
  }
  EXPECT_NE(out.find("<secret>"), std::string::npos);
}

TEST(ConfigRedactionTest, EmptySecretsStayEmptyAndBadTextIsNotEchoed) {
  EXPECT_EQ(RedactedConfigYaml("basic_auth:\n  username: a\n  password: \"\"\n")
                .find("<secret>"),
            std::string::npos);
  const std::string out = RedactedConfigYaml("a: [unclosed password: x");
  EXPECT_EQ(out.find("password"), std::string::npos);
  EXPECT_EQ(out.rfind("#", 0), 0u);
}

}  // namespace
}  // namespace vigil::exporter
