// FileSdWatcher: the file_sd_configs half of discovery — which files the
// globs match now and what groups they hold.
#ifndef VIGIL_LIB_DISCOVERY_FILE_SD_WATCHER_H_
#define VIGIL_LIB_DISCOVERY_FILE_SD_WATCHER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vigil/discovery.h"

namespace vigil::discovery {

// Polls the files of file_sd_configs: Refresh() re-expands the globs and
// re-reads files whose mtime or size changed (or that appeared or vanished).
// A file that fails to read keeps its previous groups, as Prometheus keeps
// the last good state. Not thread-safe.
class FileSdWatcher {
 public:
  explicit FileSdWatcher(std::vector<FileSdConfig> configs);
  // Returns true when the set of groups changed.
  bool Refresh();
  // Every group of every matched file, in path order.
  std::vector<TargetGroup> Groups() const;
  // The shortest refresh_interval of the configs.
  int64_t refresh_interval_ms() const;
  // Errors of the last Refresh(), one per failing file.
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct FileState {
    int64_t mtime_ns = 0;
    int64_t size = -1;
    std::vector<TargetGroup> groups;
  };
  std::vector<FileSdConfig> configs_;
  std::map<std::string, FileState> files_;
  std::vector<std::string> errors_;
};

}  // namespace vigil::discovery

#endif  // VIGIL_LIB_DISCOVERY_FILE_SD_WATCHER_H_
