// Starts the real Alertmanager (Debian's /usr/bin/prometheus-alertmanager)
// on 127.0.0.1 with a free port for integration tests, and stops it by PID.
#ifndef VIGIL_TESTS_SUPPORT_ALERTMANAGER_PROCESS_H_
#define VIGIL_TESTS_SUPPORT_ALERTMANAGER_PROCESS_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"

namespace vigil::testing {

inline constexpr char kAlertmanagerBinary[] =
    "/usr/bin/prometheus-alertmanager";

class AlertmanagerProcess {
 public:
  // Starts it and waits until /-/ready answers (up to 30 s).
  static absl::StatusOr<AlertmanagerProcess> Start();
  AlertmanagerProcess(AlertmanagerProcess&& other) noexcept;
  AlertmanagerProcess& operator=(AlertmanagerProcess&&) = delete;
  ~AlertmanagerProcess();

  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT

  // Stops the process (SIGTERM, then waits for it); the port and storage
  // directory are kept for Restart(). An outage, for tests.
  void Stop();
  // Starts it again on the same port and waits until ready (up to 30 s).
  absl::Status Restart();

 private:
  AlertmanagerProcess() = default;
  absl::Status Launch();  // forks on url_ and dir_, waits until ready
  pid_t pid_ = -1;
  std::string url_;
  std::string dir_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> FreeLoopbackPort();

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_ALERTMANAGER_PROCESS_H_
