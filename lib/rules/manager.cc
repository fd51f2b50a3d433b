#include <glob.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <thread>

#include "absl/strings/str_join.h"
#include "lib/model/wall_clock.h"
#include "lib/rules/alert_state_file.h"
#include "vigil/rules.h"

namespace vigil::rules {
namespace {}  // namespace

std::vector<std::string> ExpandFileGlobs(
    const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  for (const std::string& p : patterns) {
    glob_t g{};
    if (glob(p.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) files.push_back(g.gl_pathv[i]);
    }
    globfree(&g);
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

struct RuleManager::Impl {
  GroupOptions options;
  RuleFileOptions file_options;

  // One evaluation thread per group; replaced wholesale on Update().
  struct Runner {
    std::shared_ptr<RuleGroup> group;
    std::thread thread;
    std::mutex mu;
    std::condition_variable cv;
    bool stop = false;
  };

  mutable std::mutex mu;
  std::vector<std::shared_ptr<RuleGroup>> groups;
  std::vector<std::unique_ptr<Runner>> runners;
  bool running = false;
  std::atomic<uint64_t> missed{0};
  // Orders concurrent SaveState calls so the newest state is written last.
  std::mutex save_mu;

  void StartRunner(Runner* r) {
    r->thread = std::thread([this, r] { Loop(r); });
  }

  void Loop(Runner* r) {
    RuleGroup& g = *r->group;
    const int64_t interval = g.interval_ms();
    // A group carried over from before a reload restored long ago.
    bool first = !g.restored();
    int64_t next = g.AlignedEvalTime(WallClockMs()) + interval;
    while (true) {
      {
        std::unique_lock lock(r->mu);
        const auto wake = std::chrono::system_clock::time_point(
            std::chrono::milliseconds(next));
        if (r->cv.wait_until(lock, wake, [r] { return r->stop; })) return;
      }
      g.Eval(next);
      if (first) {
        g.RestoreForState(next);
        first = false;
      }
      // Prometheus skips the iterations an overlong evaluation overran.
      const int64_t now = WallClockMs();
      int64_t following = next + interval;
      if (following <= now) {
        const int64_t skipped = (now - following) / interval + 1;
        missed += static_cast<uint64_t>(skipped);
        following += skipped * interval;
      }
      next = following;
    }
  }

  void StopRunners(std::vector<std::unique_ptr<Runner>>& rs) {
    for (auto& r : rs) {
      {
        std::lock_guard lock(r->mu);
        r->stop = true;
      }
      r->cv.notify_all();
    }
    for (auto& r : rs) {
      if (r->thread.joinable()) r->thread.join();
    }
    rs.clear();
  }
};

RuleManager::RuleManager(GroupOptions options, RuleFileOptions file_options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->file_options = std::move(file_options);
}

RuleManager::~RuleManager() { Stop(); }

absl::Status RuleManager::Update(const std::vector<std::string>& patterns) {
  std::vector<absl::StatusOr<std::vector<RuleGroupSpec>>> files;
  for (const std::string& file : ExpandFileGlobs(patterns)) {
    files.push_back(LoadRuleFile(file, impl_->file_options));
  }
  return Replace(std::move(files));
}

absl::Status RuleManager::UpdateFromText(
    const std::vector<RuleFileText>& files) {
  std::vector<absl::StatusOr<std::vector<RuleGroupSpec>>> parsed;
  for (const RuleFileText& f : files) {
    parsed.push_back(ParseRuleFile(f.text, f.name, impl_->file_options));
  }
  return Replace(std::move(parsed));
}

absl::Status RuleManager::Replace(
    std::vector<absl::StatusOr<std::vector<RuleGroupSpec>>> files) {
  std::vector<std::shared_ptr<RuleGroup>> fresh;
  std::vector<std::string> errors;
  for (const auto& specs : files) {
    if (!specs.ok()) {
      errors.emplace_back(specs.status().message());
      continue;
    }
    for (const RuleGroupSpec& spec : *specs) {
      auto group = RuleGroup::Create(spec, impl_->options);
      if (!group.ok()) {
        errors.emplace_back(group.status().message());
        continue;
      }
      fresh.push_back(std::move(*group));
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  std::sort(fresh.begin(), fresh.end(), [](const auto& a, const auto& b) {
    return std::tie(a->file(), a->name()) < std::tie(b->file(), b->name());
  });

  std::lock_guard lock(impl_->mu);
  const bool was_running = impl_->running;
  // Stop the old loops before copying state so no evaluation races it.
  impl_->StopRunners(impl_->runners);
  std::map<std::pair<std::string, std::string>, const RuleGroup*> old;
  for (const auto& g : impl_->groups) old[{g->file(), g->name()}] = g.get();
  for (auto& g : fresh) {
    auto it = old.find({g->file(), g->name()});
    if (it != old.end()) g->CopyStateFrom(*it->second);
  }
  impl_->groups = std::move(fresh);
  if (was_running) {
    for (const auto& g : impl_->groups) {
      auto r = std::make_unique<Impl::Runner>();
      r->group = g;
      impl_->StartRunner(r.get());
      impl_->runners.push_back(std::move(r));
    }
  }
  return absl::OkStatus();
}

void RuleManager::Start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->running) return;
  impl_->running = true;
  for (const auto& g : impl_->groups) {
    auto r = std::make_unique<Impl::Runner>();
    r->group = g;
    impl_->StartRunner(r.get());
    impl_->runners.push_back(std::move(r));
  }
}

void RuleManager::Stop() {
  std::lock_guard lock(impl_->mu);
  impl_->StopRunners(impl_->runners);
  impl_->running = false;
}

absl::Status RuleManager::SaveState(const std::string& path,
                                    int64_t now_ms) const {
  std::lock_guard save_lock(impl_->save_mu);
  // The rules' published snapshots: no need to pause the evaluations.
  const std::string data =
      EncodeAlertState(CaptureAlertState(groups(), now_ms));
  return WriteFileAtomically(path, data);
}

absl::StatusOr<AlertStateLoadSummary> RuleManager::LoadState(
    const std::string& path, int64_t now_ms) {
  auto text = ReadFileWithLimit(path, kMaxAlertStateFileBytes);
  if (!text.ok()) return text.status();
  auto state = DecodeAlertState(*text, path);
  if (!state.ok()) return state.status();
  std::lock_guard lock(impl_->mu);
  if (impl_->running) {
    return absl::FailedPreconditionError(
        "alert state can only be loaded before the rule groups start");
  }
  return ApplyAlertState(*state, impl_->groups, now_ms,
                         impl_->options.outage_tolerance_ms,
                         impl_->options.for_grace_period_ms);
}

std::vector<std::shared_ptr<RuleGroup>> RuleManager::groups() const {
  std::lock_guard lock(impl_->mu);
  return impl_->groups;
}

uint64_t RuleManager::missed_iterations() const { return impl_->missed; }

}  // namespace vigil::rules
