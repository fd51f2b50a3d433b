#include <glob.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "vigil/discovery.h"

namespace vigil::discovery {

FileSdWatcher::FileSdWatcher(std::vector<FileSdConfig> configs)
    : configs_(std::move(configs)) {}

int64_t FileSdWatcher::refresh_interval_ms() const {
  int64_t best = 0;
  for (const FileSdConfig& c : configs_) {
    if (c.refresh_interval_ms > 0 &&
        (best == 0 || c.refresh_interval_ms < best)) {
      best = c.refresh_interval_ms;
    }
  }
  return best == 0 ? kDefaultFileSdRefreshMs : best;
}

bool FileSdWatcher::Refresh() {
  errors_.clear();
  std::map<std::string, FileState> next;
  bool changed = false;
  for (const FileSdConfig& c : configs_) {
    for (const std::string& pattern : c.files) {
      glob_t g{};
      if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
          next.emplace(g.gl_pathv[i], FileState{});
        }
      }
      globfree(&g);
    }
  }
  for (auto& [path, state] : next) {
    auto old = files_.find(path);
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      // Matched a moment ago: keep what it said, as for a read error.
      errors_.push_back(path + ": " + std::strerror(errno));
      if (old != files_.end()) state = std::move(old->second);
      continue;
    }
    const int64_t mtime =
        int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    if (old != files_.end() && old->second.mtime_ns == mtime &&
        old->second.size == st.st_size) {
      state = std::move(old->second);
      continue;
    }
    auto groups = ReadTargetGroupFile(path);
    if (!groups.ok()) {
      errors_.emplace_back(groups.status().message());
      if (old != files_.end()) state = std::move(old->second);
      continue;
    }
    state.mtime_ns = mtime;
    state.size = st.st_size;
    state.groups = *std::move(groups);
    changed = true;
  }
  for (const auto& [path, state] : files_) {
    if (!next.contains(path)) changed = true;  // a file vanished
  }
  files_ = std::move(next);
  return changed;
}

std::vector<TargetGroup> FileSdWatcher::Groups() const {
  std::vector<TargetGroup> out;
  for (const auto& [path, state] : files_) {
    out.insert(out.end(), state.groups.begin(), state.groups.end());
  }
  return out;
}

}  // namespace vigil::discovery
