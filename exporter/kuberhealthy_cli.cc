#include "exporter/kuberhealthy_cli.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "exporter/bundled_rule_pack.h"
#include "lib/model/absl_compat.h"
#include "lib/model/strings.h"
#include "lib/model/wall_clock.h"
#include "vigil/http_client.h"
#include "vigil/kube.h"
#include "vigil/promql/engine.h"
#include "vigil/rule_file.h"
#include "vigil/rules.h"
#include "vigil/tsdb.h"

namespace vigil::cli {
namespace {

constexpr char kUsage[] =
    R"(usage: vigil kuberhealthy [--rules FILE]... [--namespace NS]
         [--kube.api-url URL] [--kube.token-file F] [--kube.ca-file F]
         [--kube.insecure-skip-verify]

A Kuberhealthy external check: lists the pods, evaluates the security rule
pack (the bundled one, or --rules files) once, and reports to Kuberhealthy.

Environment (KH_* set by Kuberhealthy):
  KH_REPORTING_URL       where the result is POSTed (required)
  KH_RUN_UUID            sent as the kh-run-uuid header
  KH_CHECK_RUN_DEADLINE  unix seconds by which the report must be in
  CHECK_NAMESPACE        (set in the check's pod spec) only this
                         namespace's alerts count (all if unset;
                         --namespace overrides it)

Without --kube.api-url the pod's service account is used (in-cluster).
Exit: 0 reported, 1 the report could not be delivered, 2 bad usage.
)";

// Kept back from the deadline for the report itself.
constexpr int64_t kReportReserveMs = 5000;
// The run's length when Kuberhealthy sets no deadline.
constexpr int64_t kDefaultRunMs = 5 * 60 * 1000;
constexpr int64_t kMaxReportAttemptMs = 10000;

struct Args {
  std::vector<std::string> rule_files;
  std::string namespace_name;
  bool namespace_set = false;
  std::string api_url;
  std::string token_file;
  std::string ca_file;
  bool insecure_skip_verify = false;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

absl::StatusOr<Args> ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", ToAbsl(arg), "\""));
    }
    std::string name(arg.substr(2));
    std::string value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    if (name == "kube.insecure-skip-verify") {
      args.insecure_skip_verify = !has_value || value == "true";
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value"));
      }
      value = argv[++i];
    }
    if (name == "rules") {
      args.rule_files.push_back(value);
    } else if (name == "namespace") {
      args.namespace_name = value;
      args.namespace_set = true;
    } else if (name == "kube.api-url") {
      args.api_url = value;
    } else if (name == "kube.token-file") {
      args.token_file = value;
    } else if (name == "kube.ca-file") {
      args.ca_file = value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
  }
  return args;
}

absl::StatusOr<std::vector<RuleGroupSpec>> LoadRules(const Args& args) {
  if (args.rule_files.empty()) {
    return ParseRuleFile(exporter::kRulePack, exporter::kRulePackName);
  }
  std::vector<RuleGroupSpec> all;
  for (const std::string& file : args.rule_files) {
    auto specs = LoadRuleFile(file);
    if (!specs.ok()) return specs.status();
    all.insert(all.end(), specs->begin(), specs->end());
  }
  return all;
}

// Lists the pods once into `head`, with their running state, giving up
// when `budget_ms` runs out (a paged list makes several requests).
absl::Status Collect(const Args& args, int64_t budget_ms, tsdb::Head* head) {
  kube::CollectorOptions options;
  if (args.api_url.empty()) {
    auto in_cluster = kube::InClusterConfig();
    if (!in_cluster.ok()) return in_cluster.status();
    options.api = *std::move(in_cluster);
  } else {
    options.api.api_url = args.api_url;
  }
  if (!args.token_file.empty()) options.api.token_file = args.token_file;
  if (!args.ca_file.empty()) options.api.ca_file = args.ca_file;
  options.api.insecure_skip_verify |= args.insecure_skip_verify;
  options.pod_status_series = true;
  options.request_timeout_ms =
      std::clamp<int64_t>(budget_ms, 1000, kube::kDefaultRequestTimeoutMs);
  auto collector = kube::Collector::Create(std::move(options), head);
  if (!collector.ok()) return collector.status();
  // Stop() interrupts the list at its next page.
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (!done_cv.wait_for(lock, std::chrono::milliseconds(budget_ms),
                          [&] { return done; })) {
      (*collector)->Stop();
    }
  });
  absl::Status s = (*collector)->CollectOnce();
  {
    std::lock_guard lock(mu);
    done = true;
  }
  done_cv.notify_all();
  watchdog.join();
  if (absl::IsCancelled(s)) {
    return absl::DeadlineExceededError(
        "the list did not finish before KH_CHECK_RUN_DEADLINE");
  }
  return s;
}

// One message per alert the rules raise over `head` at `now_ms`, in
// `namespace_name` (every namespace when empty), sorted; a rule that fails
// to evaluate is a message too (the check could not do its job).
std::vector<std::string> Evaluate(const std::vector<RuleGroupSpec>& specs,
                                  tsdb::Head& head, int64_t now_ms,
                                  const std::string& namespace_name) {
  promql::Engine engine;
  rules::GroupOptions options;
  options.storage = &head;
  options.appendable = &head;
  options.engine = &engine;
  std::set<std::string> errors;
  for (const RuleGroupSpec& spec : specs) {
    auto group = rules::RuleGroup::Create(spec, options);
    if (!group.ok()) {
      errors.insert(std::string(group.status().message()));
      continue;
    }
    (*group)->SetRestored();
    (*group)->Eval(now_ms);
    for (const auto& rule : (*group)->rules()) {
      if (rule->health() == rules::RuleHealth::kBad) {
        errors.insert(absl::StrCat("rule ", rule->name(),
                                   " failed: ", rule->last_error()));
        continue;
      }
      if (!rule->is_alert()) continue;
      for (const rules::Alert& a : rule->alerts()) {
        if (a.state == rules::AlertState::kInactive || a.resolved_at_ms != 0) {
          continue;
        }
        if (!namespace_name.empty() &&
            a.labels.Get("namespace") != namespace_name) {
          continue;
        }
        const std::string_view summary = a.Annotation("summary");
        errors.insert(absl::StrCat(
            rule->name(), ": ",
            summary.empty() ? a.labels.ToString() : std::string(summary)));
      }
    }
  }
  return {errors.begin(), errors.end()};
}

// POSTs the result, retrying transport errors, 408, 429 and 5xx with
// backoff until `deadline_ms`; other answers are final.
absl::Status Report(const std::string& url, const std::string& uuid,
                    const std::vector<std::string>& errors,
                    int64_t deadline_ms) {
  const nlohmann::json body = {{"OK", errors.empty()}, {"Errors", errors}};
  http::Request req;
  req.method = "POST";
  req.url = url;
  req.body = body.dump();
  req.headers = {{"Content-Type", "application/json"}};
  if (!uuid.empty()) req.headers.push_back({"kh-run-uuid", uuid});
  req.max_body_bytes = 1 << 20;
  std::chrono::milliseconds backoff(500);
  std::string last_error;
  for (int attempt = 0;; ++attempt) {
    const int64_t left_ms = deadline_ms - WallClockMs();
    // Late or not, one attempt: Kuberhealthy judges lateness itself, and
    // its answer says more than silence.
    if (left_ms <= 0 && attempt > 0) {
      return absl::DeadlineExceededError(absl::StrCat(
          "KH_CHECK_RUN_DEADLINE passed before the report was accepted",
          last_error.empty() ? "" : ": ", last_error));
    }
    req.timeout = std::chrono::milliseconds(
        std::clamp<int64_t>(left_ms, 1000, kMaxReportAttemptMs));
    auto resp = http::Perform(req);
    if (resp.ok() && resp->status / 100 == 2) return absl::OkStatus();
    if (resp.ok()) {
      last_error = absl::StrCat("HTTP ", resp->status, ": ", resp->body);
      const bool transient =
          resp->status == 408 || resp->status == 429 || resp->status / 100 == 5;
      if (!transient) return absl::FailedPreconditionError(last_error);
    } else {
      last_error = std::string(resp.status().message());
    }
    std::this_thread::sleep_for(
        std::min(backoff, std::chrono::milliseconds(std::max<int64_t>(
                              0, deadline_ms - WallClockMs()))));
    backoff *= 2;
  }
}

}  // namespace

int RunKuberhealthy(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
  }
  auto args = ParseArgs(argc, argv);
  if (!args.ok()) {
    std::cerr << "vigil kuberhealthy: " << args.status().message() << "\n"
              << kUsage;
    return 2;
  }
  const std::string url = Env("KH_REPORTING_URL");
  if (url.empty()) {
    std::cerr << "vigil kuberhealthy: KH_REPORTING_URL is not set (run by "
                 "Kuberhealthy, it always is)\n";
    return 2;
  }
  const int64_t start_ms = WallClockMs();
  int64_t deadline_ms = start_ms + kDefaultRunMs;
  if (const std::string d = Env("KH_CHECK_RUN_DEADLINE"); !d.empty()) {
    int64_t seconds = 0;
    // Up to the year 5138: beyond is no deadline a scheduler means.
    if (!absl::SimpleAtoi(d, &seconds) || seconds < 0 ||
        seconds > 100'000'000'000) {
      std::cerr << "vigil kuberhealthy: KH_CHECK_RUN_DEADLINE \"" << d
                << "\" is not unix seconds\n";
      return 2;
    }
    deadline_ms = seconds * 1000;
  }
  const std::string namespace_name =
      args->namespace_set ? args->namespace_name : Env("CHECK_NAMESPACE");

  std::vector<std::string> errors;
  auto specs = LoadRules(*args);
  const int64_t collect_ms = deadline_ms - kReportReserveMs - WallClockMs();
  if (!specs.ok()) {
    errors.push_back(absl::StrCat("loading rules: ", specs.status().message()));
  } else if (collect_ms <= 0) {
    errors.push_back("no time left to list pods before KH_CHECK_RUN_DEADLINE");
  } else {
    tsdb::Head head;
    if (absl::Status s = Collect(*args, collect_ms, &head); !s.ok()) {
      errors.push_back(absl::StrCat("listing pods: ", s.message()));
    } else {
      errors = Evaluate(*specs, head, WallClockMs(), namespace_name);
    }
  }

  std::cout << "vigil kuberhealthy: "
            << (errors.empty() ? "OK"
                               : absl::StrCat(errors.size(), " error(s)"))
            << (namespace_name.empty() ? " (all namespaces)"
                                       : " (namespace " + namespace_name + ")")
            << "\n";
  for (const std::string& e : errors) std::cout << "  " << e << "\n";
  if (absl::Status s = Report(url, Env("KH_RUN_UUID"), errors, deadline_ms);
      !s.ok()) {
    std::cerr << "vigil kuberhealthy: reporting to " << url
              << " failed: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace vigil::cli
