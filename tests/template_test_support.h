// Shared fixtures for the alert template tests: the data a
// PodPrivilegedMode alert carries and a fake `query` backend.
#ifndef VIGIL_TESTS_TEMPLATE_TEST_SUPPORT_H_
#define VIGIL_TESTS_TEMPLATE_TEST_SUPPORT_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "lib/rules/template/template.h"

namespace vigil::tmpl::testing {

inline constexpr std::string_view kName = "__alert_Test";

inline TemplateData AlertData(double value = 1) {
  TemplateData d;
  d.labels = {{"alertname", "PodPrivilegedMode"},
              {"instance", "node1.example.com:9100"},
              {"namespace", "kube-system"},
              {"pod", "cilium-abc"},
              {"severity", "critical"}};
  d.external_labels = {{"cluster", "prod"}};
  d.external_url = "http://prom.example.com/prometheus";
  d.value = value;
  return d;
}

inline ExpandOptions Options() {
  ExpandOptions o;
  o.timestamp_ms = 1700000000000;
  o.query = [](std::string_view q) -> absl::StatusOr<std::vector<QuerySample>> {
    if (q == "up") {
      return std::vector<QuerySample>{
          {{{"__name__", "up"}, {"instance", "c"}}, 1234},
          {{{"__name__", "up"}, {"instance", "a"}}, 0},
          {{{"__name__", "up"}, {"instance", "b"}}, 1},
          {{{"__name__", "up"}, {"instance", "e"}}, 1},
          {{{"__name__", "up"}, {"instance", "d"}}, 1},
      };
    }
    if (q == "version") {
      return std::vector<QuerySample>{{{{"__value__", "v2.1"}}, 0}};
    }
    if (q == "empty") return std::vector<QuerySample>{};
    return absl::InvalidArgumentError(
        "1:4: parse error: unclosed left parenthesis");
  };
  return o;
}

// Parses with the alert definitions and executes; errors come back as
// "ERROR: <message>" so table rows can expect them.
inline std::string Render(std::string_view text,
                          const TemplateData& data = AlertData()) {
  auto t = Template::Parse(kName, text);
  if (!t.ok()) return "ERROR: " + std::string(t.status().message());
  auto out = t->Execute(data, Options());
  if (!out.ok()) return "ERROR: " + std::string(out.status().message());
  return *out;
}

}  // namespace vigil::tmpl::testing

#endif  // VIGIL_TESTS_TEMPLATE_TEST_SUPPORT_H_
