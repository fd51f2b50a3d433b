// PodList JSON → pod security series: decoding, Kubernetes' defaults and
// inheritance, and the label sets of every family.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/kube/pod_list.h"
#include "lib/kube/security_series.h"
#include "tests/kube_pods_fixture.h"

namespace vigil::kube {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

std::string PodList(const std::string& items, const std::string& cont = "") {
  return R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"48300")" +
         (cont.empty() ? std::string() : R"(,"continue":")" + cont + "\"") +
         R"(},"items":)" + items + "}";
}

// Every series of `family`, printed as Labels::ToString() does.
std::vector<std::string> Printed(const PodSeries& s, PodFamily family) {
  std::vector<std::string> out;
  for (const SeriesSample& x : s.families[family]) {
    EXPECT_EQ(x.value, 1);
    out.push_back(x.labels.ToString());
  }
  return out;
}

PodSeries SeriesOf(const std::string& items) {
  auto page = ParsePodListPage(PodList(items));
  EXPECT_TRUE(page.ok()) << page.status();
  PodSeries s;
  if (!page.ok()) return s;
  for (const PodSecurity& pod : page->pods) AddPodSeries(pod, false, &s);
  s.Sort();
  return s;
}

TEST(KubePodListTest, DecodesTheApiShape) {
  auto page = ParsePodListPage(
      PodList(testing::kPodItems, "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->continue_token, "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ");
  ASSERT_EQ(page->pods.size(), 4u);
  const PodSecurity& web = page->pods[0];
  EXPECT_EQ(web.namespace_name, "default");
  EXPECT_EQ(web.name, "web-0");
  EXPECT_EQ(web.uid, "6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0001");
  EXPECT_EQ(web.run_as_non_root, true);
  EXPECT_EQ(web.run_as_user, 1000);
  EXPECT_EQ(web.seccomp_profile_type, "RuntimeDefault");
  // containers first, then initContainers, then ephemeralContainers.
  ASSERT_EQ(web.containers.size(), 3u);
  EXPECT_EQ(web.containers[0].name, "app");
  EXPECT_EQ(web.containers[0].allow_privilege_escalation, false);
  EXPECT_THAT(web.containers[0].capabilities_added,
              ElementsAre("NET_BIND_SERVICE"));
  EXPECT_EQ(web.containers[2].name, "init-perms");
  EXPECT_EQ(web.containers[2].type, ContainerType::kInit);
  EXPECT_EQ(web.containers[2].run_as_user, 0);
  EXPECT_THAT(web.host_path_volumes, IsEmpty());

  const PodSecurity& agent = page->pods[2];
  ASSERT_EQ(agent.containers.size(), 2u);
  EXPECT_EQ(agent.containers[1].type, ContainerType::kEphemeral);
  EXPECT_EQ(agent.containers[1].privileged, true);
  EXPECT_TRUE(agent.host_ipc);
}

TEST(KubePodListTest, LastPageAndEmptyLists) {
  auto page = ParsePodListPage(PodList("[]"));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->continue_token, "");
  EXPECT_THAT(page->pods, IsEmpty());
  // Go encodes a nil slice as null.
  page = ParsePodListPage(R"({"kind":"PodList","metadata":{},"items":null})");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->pods, IsEmpty());
}

TEST(KubePodListTest, MalformedJsonReportsTheByteOffset) {
  const std::string body = R"({"kind":"PodList","items":[}])";
  auto page = ParsePodListPage(body);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  // The '}' at offset 27 is where the array's first value should be.
  EXPECT_THAT(std::string(page.status().message()),
              StartsWith("malformed JSON at byte 27: parse error at line 1, "
                         "column 28: syntax error"));

  const std::string full = PodList(testing::kPodItems);
  const std::string truncated = full.substr(0, 1000);
  page = ParsePodListPage(truncated);
  ASSERT_FALSE(page.ok());
  EXPECT_THAT(std::string(page.status().message()),
              StartsWith("malformed JSON at byte 1000: "));
}

TEST(KubePodListTest, WrongTypesNameTheField) {
  struct Case {
    std::string items;
    std::string error;
  };
  const Case cases[] = {
      {R"([{"metadata":{"name":"a"},"spec":{"hostNetwork":"true"}}])",
       "items[0].spec.hostNetwork: expected boolean, got string"},
      {R"([{"metadata":{"name":"a"}},{"metadata":{"name":"b"},"spec":{"containers":[{"name":"c","securityContext":{"runAsUser":1.5}}]}}])",
       "items[1].spec.containers[0].securityContext.runAsUser: expected "
       "integer, got number"},
      {R"([{"metadata":{"name":"a"},"spec":{"initContainers":[{"name":"c","securityContext":{"capabilities":{"add":[7]}}}]}}])",
       "items[0].spec.initContainers[0].securityContext.capabilities.add[0]: "
       "expected string, got number"},
      {R"([{"metadata":{"name":"a"},"spec":{"volumes":[{"name":"v","hostPath":"/x"}]}}])",
       "items[0].spec.volumes[0].hostPath: expected object, got string"},
      {R"([{"metadata":{"name":"a"},"spec":{"securityContext":{"seccompProfile":{"type":1}}}}])",
       "items[0].spec.securityContext.seccompProfile.type: expected string, "
       "got number"},
      {R"([{"spec":{}}])", "items[0]: no metadata"},
      {R"([{"metadata":{"namespace":"x"}}])", "items[0].metadata: no name"},
      {R"({"a":1})", "items: expected array, got object"},
  };
  for (const Case& c : cases) {
    auto page = ParsePodListPage(PodList(c.items));
    ASSERT_FALSE(page.ok()) << c.items;
    EXPECT_EQ(page.status().message(), c.error) << c.items;
  }
  auto page = ParsePodListPage(
      R"({"kind":"Status","status":"Failure","message":"x","code":500})");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().message(), "expected kind PodList, got Status");
  page = ParsePodListPage("[]");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().message(), "expected a PodList object, got array");
}

TEST(KubePodListTest, FieldsItDoesNotReadMayHaveAnyShape) {
  // env, status conditions and annotations are skipped, whatever they hold.
  auto page = ParsePodListPage(
      PodList(R"([{"metadata":{"name":"a","annotations":7},)"
              R"("status":{"conditions":"odd"},)"
              R"("spec":{"containers":[{"name":"c","env":{"x":1}}]}}])"));
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->pods.size(), 1u);
  EXPECT_EQ(page->pods[0].containers.size(), 1u);
}

TEST(KubePodListTest, StatusMessage) {
  EXPECT_EQ(
      StatusMessage(
          R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
          R"("message":"pods is forbidden: User \"system:anonymous\" cannot list resource \"pods\" in API group \"\" at the cluster scope",)"
          R"("reason":"Forbidden","details":{"kind":"pods"},"code":403})"),
      "pods is forbidden: User \"system:anonymous\" cannot list resource "
      "\"pods\" in API group \"\" at the cluster scope");
  EXPECT_EQ(StatusMessage("<html>bad gateway</html>"), "");
  EXPECT_EQ(StatusMessage(R"({"kind":"PodList","message":"x"})"), "");
}

TEST(KubeSeriesTest, OneSeriesPerPod) {
  const PodSeries s = SeriesOf(testing::kPodItems);
  EXPECT_THAT(
      Printed(s, kPodSecurityContextFamily),
      UnorderedElementsAre(
          "kube_pod_security_context{host_ipc=\"false\", "
          "host_network=\"false\", host_pid=\"false\", namespace=\"default\", "
          "pod=\"web-0\", privileged=\"false\", run_as_non_root=\"true\", "
          "run_as_user=\"1000\", seccomp_profile_type=\"RuntimeDefault\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0001\"}",
          "kube_pod_security_context{host_ipc=\"false\", "
          "host_network=\"true\", host_pid=\"true\", "
          "namespace=\"kube-system\", pod=\"node-exp-x\", "
          "privileged=\"false\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0002\"}",
          // The privileged ephemeral container makes the pod privileged.
          "kube_pod_security_context{host_ipc=\"true\", "
          "host_network=\"false\", host_pid=\"false\", "
          "namespace=\"monitoring\", pod=\"debug-agent\", "
          "privileged=\"true\", uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0003\"}",
          // So does the privileged init container.
          "kube_pod_security_context{host_ipc=\"false\", "
          "host_network=\"false\", host_pid=\"false\", namespace=\"prod\", "
          "pod=\"db-0\", privileged=\"true\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0004\"}"));
}

TEST(KubeSeriesTest, ContainerSeriesApplyDefaultsAndThePodContext) {
  const PodSeries s = SeriesOf(testing::kPodItems);
  EXPECT_THAT(
      Printed(s, kContainerSecurityContextFamily),
      UnorderedElementsAre(
          "kube_pod_container_security_context{allow_privilege_escalation="
          "\"false\", container=\"app\", container_type=\"container\", "
          "namespace=\"default\", pod=\"web-0\", privileged=\"false\", "
          "read_only_root_filesystem=\"true\", run_as_non_root=\"true\", "
          "run_as_user=\"1000\", seccomp_profile_type=\"RuntimeDefault\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0001\"}",
          // The init container's own runAsUser 0 / runAsNonRoot false win.
          "kube_pod_container_security_context{allow_privilege_escalation="
          "\"true\", container=\"init-perms\", container_type=\"init\", "
          "namespace=\"default\", pod=\"web-0\", privileged=\"false\", "
          "read_only_root_filesystem=\"false\", run_as_non_root=\"false\", "
          "run_as_user=\"0\", seccomp_profile_type=\"RuntimeDefault\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0001\"}",
          "kube_pod_container_security_context{allow_privilege_escalation="
          "\"true\", container=\"sidecar\", container_type=\"container\", "
          "namespace=\"default\", pod=\"web-0\", privileged=\"false\", "
          "read_only_root_filesystem=\"false\", run_as_non_root=\"true\", "
          "run_as_user=\"2000\", seccomp_profile_type=\"Localhost\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0001\"}",
          // No securityContext anywhere: defaults, unknowns absent.
          "kube_pod_container_security_context{allow_privilege_escalation="
          "\"true\", container=\"node-exporter\", "
          "container_type=\"container\", namespace=\"kube-system\", "
          "pod=\"node-exp-x\", privileged=\"false\", "
          "read_only_root_filesystem=\"false\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0002\"}",
          // allowPrivilegeEscalation: false does not hold with SYS_ADMIN.
          "kube_pod_container_security_context{allow_privilege_escalation="
          "\"true\", container=\"agent\", container_type=\"container\", "
          "namespace=\"monitoring\", pod=\"debug-agent\", "
          "privileged=\"false\", read_only_root_filesystem=\"false\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0003\"}",
          "kube_pod_container_security_context{allow_privilege_escalation="
          "\"true\", container=\"debugger-7x2k\", "
          "container_type=\"ephemeral\", namespace=\"monitoring\", "
          "pod=\"debug-agent\", privileged=\"true\", "
          "read_only_root_filesystem=\"false\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0003\"}",
          "kube_pod_container_security_context{allow_privilege_escalation="
          "\"true\", container=\"postgres\", container_type=\"container\", "
          "namespace=\"prod\", pod=\"db-0\", privileged=\"false\", "
          "read_only_root_filesystem=\"false\", run_as_non_root=\"true\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0004\"}",
          "kube_pod_container_security_context{allow_privilege_escalation="
          "\"true\", container=\"sysctl\", container_type=\"init\", "
          "namespace=\"prod\", pod=\"db-0\", privileged=\"true\", "
          "read_only_root_filesystem=\"false\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0004\"}"));
}

TEST(KubeSeriesTest, CapabilitiesAreNormalisedAndDeduplicated) {
  const PodSeries s = SeriesOf(testing::kPodItems);
  auto cap = [](const std::string& ns, const std::string& pod,
                const std::string& container, const std::string& c,
                const std::string& uid_suffix) {
    return "kube_pod_container_security_context_capabilities_added{"
           "capability=\"" +
           c + "\", container=\"" + container +
           "\", container_type=\"container\", namespace=\"" + ns +
           "\", pod=\"" + pod + "\", uid=\"6f1d6c1e-0b9a-4a53-9d0f-" +
           uid_suffix + "\"}";
  };
  EXPECT_THAT(Printed(s, kCapabilitiesAddedFamily),
              UnorderedElementsAre(cap("monitoring", "debug-agent", "agent",
                                       "NET_ADMIN", "2f6a1c1e0003"),
                                   cap("monitoring", "debug-agent", "agent",
                                       "SYS_ADMIN", "2f6a1c1e0003"),
                                   cap("monitoring", "debug-agent", "agent",
                                       "SYS_PTRACE", "2f6a1c1e0003"),
                                   cap("default", "web-0", "app",
                                       "NET_BIND_SERVICE", "2f6a1c1e0001")));
  EXPECT_EQ(NormalizeCapability(" cap_sys_admin "), "SYS_ADMIN");
  EXPECT_EQ(NormalizeCapability("ALL"), "ALL");
}

TEST(KubeSeriesTest, HostPathVolumes) {
  const PodSeries s = SeriesOf(testing::kPodItems);
  EXPECT_THAT(
      Printed(s, kHostPathVolumesFamily),
      UnorderedElementsAre(
          "kube_pod_spec_volumes_host_path{namespace=\"kube-system\", "
          "path=\"/\", pod=\"node-exp-x\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0002\", volume=\"root\"}",
          "kube_pod_spec_volumes_host_path{namespace=\"kube-system\", "
          "path=\"/proc\", pod=\"node-exp-x\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0002\", volume=\"proc\"}",
          "kube_pod_spec_volumes_host_path{namespace=\"kube-system\", "
          "path=\"/sys\", pod=\"node-exp-x\", type=\"Directory\", "
          "uid=\"6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0002\", volume=\"sys\"}"));
}

TEST(KubeSeriesTest, AllowPrivilegeEscalationFollowsTheApiReference) {
  struct Case {
    std::optional<bool> privileged;
    std::optional<bool> allow;
    std::vector<std::string> add;
    bool want;
  };
  const Case cases[] = {
      {std::nullopt, std::nullopt, {}, true},  // unset: no no_new_privs
      {std::nullopt, false, {}, false},
      {std::nullopt, true, {}, true},
      {true, std::nullopt, {}, true},
      {true, false, {}, true},  // privileged always escalates
      {false, false, {"CAP_SYS_ADMIN"}, true},
      {false, false, {"sys_admin"}, true},
      {false, false, {"ALL"}, true},
      {false, false, {"NET_ADMIN"}, false},
  };
  for (const Case& c : cases) {
    ContainerSecurity sc;
    sc.privileged = c.privileged;
    sc.allow_privilege_escalation = c.allow;
    sc.capabilities_added = c.add;
    EXPECT_EQ(AllowsPrivilegeEscalation(sc), c.want)
        << c.privileged.value_or(false) << " " << c.allow.value_or(true) << " "
        << (c.add.empty() ? "" : c.add[0]);
  }
}

TEST(KubeSeriesTest, ContainerTypeNames) {
  EXPECT_EQ(ContainerTypeName(ContainerType::kContainer), "container");
  EXPECT_EQ(ContainerTypeName(ContainerType::kInit), "init");
  EXPECT_EQ(ContainerTypeName(ContainerType::kEphemeral), "ephemeral");
}

// One series per sample, printed with its value.
std::vector<std::string> WithValues(const PodSeries& s, PodFamily family) {
  std::vector<std::string> out;
  for (const SeriesSample& x : s.families[family]) {
    out.push_back(x.labels.ToString() + " " + std::to_string(int(x.value)));
  }
  return out;
}

TEST(KubePodSeriesTest, StatusSeriesHaveKubeStateMetricsShapes) {
  auto page = ParsePodListPage(PodList(R"json([{
    "metadata": {"name": "job-1", "namespace": "batch", "uid": "u1"},
    "spec": {"initContainers": [{"name": "init"}],
             "containers": [{"name": "main"}, {"name": "late"}]},
    "status": {
      "phase": "Running",
      "conditions": [{"type": "Ready", "status": "True"}],
      "initContainerStatuses": [{"name": "init",
        "state": {"terminated": {"exitCode": 0}},
        "lastState": {"running": {"startedAt": "2024-05-02T10:00:00Z"}}}],
      "containerStatuses": [{"name": "main",
        "state": {"running": {"startedAt": "2024-05-02T10:00:05Z"}}}]
    }
  }])json"),
                               /*with_status=*/true);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->pods.size(), 1u);
  EXPECT_EQ(page->pods[0].phase, "Running");

  PodSeries with;
  AddPodSeries(page->pods[0], /*with_status=*/true, &with);
  with.Sort();
  EXPECT_THAT(
      WithValues(with, kPodStatusPhaseFamily),
      ElementsAre(
          R"(kube_pod_status_phase{namespace="batch", phase="Failed", pod="job-1", uid="u1"} 0)",
          R"(kube_pod_status_phase{namespace="batch", phase="Pending", pod="job-1", uid="u1"} 0)",
          R"(kube_pod_status_phase{namespace="batch", phase="Running", pod="job-1", uid="u1"} 1)",
          R"(kube_pod_status_phase{namespace="batch", phase="Succeeded", pod="job-1", uid="u1"} 0)",
          R"(kube_pod_status_phase{namespace="batch", phase="Unknown", pod="job-1", uid="u1"} 0)"));
  // "late" has no status yet: no series, as kube-state-metrics.
  EXPECT_THAT(
      WithValues(with, kContainerStatusRunningFamily),
      ElementsAre(
          R"(kube_pod_container_status_running{container="main", namespace="batch", pod="job-1", uid="u1"} 1)"));
  EXPECT_THAT(
      WithValues(with, kInitContainerStatusRunningFamily),
      ElementsAre(
          R"(kube_pod_init_container_status_running{container="init", namespace="batch", pod="job-1", uid="u1"} 0)"))
      << "lastState.running is history, not the state";

  PodSeries without;
  AddPodSeries(page->pods[0], /*with_status=*/false, &without);
  EXPECT_THAT(without.families[kPodStatusPhaseFamily], IsEmpty());
  EXPECT_THAT(without.families[kContainerStatusRunningFamily], IsEmpty());
  EXPECT_EQ(without.size(), 4u) << "the pod and its 3 containers";
}

TEST(KubePodListTest, StatusIsReadOnlyWhenAsked) {
  const std::string body = PodList(R"json([{
    "metadata": {"name": "p", "namespace": "n", "uid": "u"},
    "status": {"phase": "Running",
               "containerStatuses": {"name": "c"}}}])json");
  auto page = ParsePodListPage(body, /*with_status=*/true);
  ASSERT_FALSE(page.ok());
  EXPECT_THAT(page.status().message(),
              HasSubstr("items[0].status.containerStatuses: expected array"));
  // The exporter reads no status: whatever it holds cannot fail a list.
  page = ParsePodListPage(body);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->pods[0].phase, "");
}

}  // namespace
}  // namespace vigil::kube
