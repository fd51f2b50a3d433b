// Re-reading the web config when its files change; see web_config_source.h.
#include "lib/api/web_config_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include "vigil/api.h"

namespace vigil::api {

WebConfigSource::Stamp WebConfigSource::StampOf(const std::string& path) {
  Stamp s;
  s.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    s.error = errno;
    return s;
  }
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.ctime_ns =
      static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return s;
}

std::shared_ptr<const WebConfigSnapshot> WebConfigSource::Load(
    std::vector<Stamp>* stamps) {
  // Stamps are taken before reading, so a file replaced while it is read
  // shows up as changed on the next call and is read again.
  stamps->clear();
  stamps->push_back(StampOf(path_));
  auto snapshot = std::make_shared<WebConfigSnapshot>();
  absl::StatusOr<WebConfig> config = ReadWebConfig(path_);
  if (!config.ok()) {
    snapshot->config_status = config.status();
    return snapshot;
  }
  snapshot->config = *std::move(config);
  const TlsServerConfig& tls = snapshot->config.tls;
  for (const std::string* file :
       {&tls.cert_file, &tls.key_file, &tls.client_ca_file}) {
    if (!file->empty()) stamps->push_back(StampOf(*file));
  }
  if (tls.enabled()) {
    absl::StatusOr<std::shared_ptr<const TlsMaterial>> material =
        TlsMaterial::Load(tls);
    if (material.ok()) {
      snapshot->tls = *std::move(material);
    } else {
      snapshot->tls_status = material.status();
    }
  }
  return snapshot;
}

std::shared_ptr<const WebConfigSnapshot> WebConfigSource::Current() {
  std::lock_guard lock(mu_);
  bool changed = snapshot_ == nullptr;
  for (size_t i = 0; !changed && i < stamps_.size(); ++i) {
    changed = !(StampOf(stamps_[i].path) == stamps_[i]);
  }
  if (changed) snapshot_ = Load(&stamps_);
  return snapshot_;
}

absl::Status ValidateWebConfig(const std::string& path) {
  absl::StatusOr<WebConfig> config = ReadWebConfig(path);
  if (!config.ok()) return config.status();
  if (absl::Status s = CheckUsers(*config); !s.ok()) return s;
  if (!config->tls.enabled()) return absl::OkStatus();
  return TlsMaterial::Load(config->tls).status();
}

}  // namespace vigil::api
