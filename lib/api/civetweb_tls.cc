// Loading the OpenSSL 3 shims for civetweb; see civetweb_tls.h.
#include "lib/api/civetweb_tls.h"

#include <civetweb.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

// Generated from the shims' build outputs (cmake/EmbedBinary.cmake).
extern const unsigned char vigil_libssl_shim[];
extern const unsigned long vigil_libssl_shim_size;
extern const unsigned char vigil_libcrypto_shim[];
extern const unsigned long vigil_libcrypto_shim_size;

namespace vigil::api {

namespace {

bool WriteAll(int fd, const unsigned char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// A file descriptor holding `image`: a memfd, or where memfd_create is
// not allowed, an unlinked temporary file.
int ImageFd(const char* name, const unsigned char* image, size_t size) {
  int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) {
    const char* tmp = std::getenv("TMPDIR");
    std::string path = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp",
                                    "/vigil-", name, "-XXXXXX");
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return -1;
    ::unlink(path.c_str());
  }
  if (!WriteAll(fd, image, size)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

absl::Status LoadShim(const char* name, const unsigned char* image,
                      size_t size) {
  const int fd = ImageFd(name, image, size);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cannot stage the ", name,
                                            " shim: ", std::strerror(errno)));
  }
  // Never dlclose()d: civetweb finds it by its SONAME for the life of the
  // process. The descriptor stays open too: glibc also matches a loaded
  // object by the path it was opened with, and a reused descriptor number
  // would make the second shim's path name the first.
  void* handle = ::dlopen(absl::StrCat("/proc/self/fd/", fd).c_str(),
                          RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    ::close(fd);
    const char* why = ::dlerror();
    return absl::InternalError(
        absl::StrCat("cannot load the ", name, " shim: ", why ? why : "?"));
  }
  return absl::OkStatus();
}

absl::Status Enable() {
  if (absl::Status s = LoadShim("libcrypto.so", vigil_libcrypto_shim,
                                vigil_libcrypto_shim_size);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          LoadShim("libssl.so", vigil_libssl_shim, vigil_libssl_shim_size);
      !s.ok()) {
    return s;
  }
  if ((mg_init_library(MG_FEATURES_TLS) & MG_FEATURES_TLS) == 0) {
    return absl::UnavailableError("civetweb could not initialize TLS");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EnableCivetwebTls() {
  static const absl::Status status = Enable();
  return status;
}

}  // namespace vigil::api
