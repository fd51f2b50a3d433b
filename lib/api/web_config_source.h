// The web config file as it is now. exporter-toolkit re-reads the file
// on every request and every TLS handshake, so an edited user list or a
// rotated certificate needs no restart; WebConfigSource keeps that promise
// without re-parsing each time: it re-reads the file and the certificate,
// key and client CA files it names only when one of them changed (device,
// inode, size, modification or change time — a Kubernetes secret volume
// swaps a symlink, which changes the inode).
#ifndef VIGIL_LIB_API_WEB_CONFIG_SOURCE_H_
#define VIGIL_LIB_API_WEB_CONFIG_SOURCE_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/api/tls_material.h"
#include "lib/api/web_config.h"

namespace vigil::api {

struct WebConfigSnapshot {
  // Why the file does not read or parse now (requests then get 500, and
  // handshakes fail); `config` is meaningful only when this is OK.
  absl::Status config_status;
  WebConfig config;
  // Why `tls` could not be loaded (handshakes then fail); OK and null
  // when the config does not enable TLS.
  absl::Status tls_status;
  std::shared_ptr<const TlsMaterial> tls;
};

class WebConfigSource {
 public:
  explicit WebConfigSource(std::string path) : path_(std::move(path)) {}

  // Thread-safe; cheap when nothing changed (a stat() per file).
  std::shared_ptr<const WebConfigSnapshot> Current();

  const std::string& path() const { return path_; }

 private:
  struct Stamp {
    std::string path;
    int error = 0;  // errno of stat(); 0: the fields below are set
    uint64_t dev = 0, ino = 0;
    int64_t size = 0, mtime_ns = 0, ctime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  static Stamp StampOf(const std::string& path);
  std::shared_ptr<const WebConfigSnapshot> Load(std::vector<Stamp>* stamps);

  const std::string path_;
  std::mutex mu_;
  std::vector<Stamp> stamps_;  // of the files `snapshot_` was read from
  std::shared_ptr<const WebConfigSnapshot> snapshot_;
};

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_WEB_CONFIG_SOURCE_H_
