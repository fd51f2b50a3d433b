#include "tests/support/alertmanager_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "vigil/http_client.h"

namespace vigil::testing {

absl::StatusOr<int> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return absl::InternalError("bind failed");
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

absl::StatusOr<AlertmanagerProcess> AlertmanagerProcess::Start() {
  if (access(kAlertmanagerBinary, X_OK) != 0) {
    return absl::FailedPreconditionError(
        std::string(kAlertmanagerBinary) +
        " is missing: run scripts/install-deps.sh");
  }
  auto port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  AlertmanagerProcess p;
  char tmpl[] = "/tmp/vigil-am-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  p.dir_ = tmpl;
  {
    std::ofstream cfg(p.dir_ + "/alertmanager.yml");
    cfg << "route:\n  receiver: blackhole\n  group_wait: 0s\n"
           "receivers:\n  - name: blackhole\n";
  }
  p.url_ = "http://127.0.0.1:" + std::to_string(*port);
  if (absl::Status st = p.Launch(); !st.ok()) return st;
  return p;
}

absl::Status AlertmanagerProcess::Launch() {
  const std::string listen = url_.substr(std::string("http://").size());
  std::vector<std::string> args = {
      kAlertmanagerBinary,
      "--config.file=" + dir_ + "/alertmanager.yml",
      "--storage.path=" + dir_,
      "--web.listen-address=" + listen,
      // No gossip: a lone instance on loopback.
      "--cluster.listen-address=",
      "--log.level=warn",
  };
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    http::Request req;
    req.url = url_ + "/-/ready";
    req.timeout = std::chrono::milliseconds(500);
    auto resp = http::Perform(req);
    if (resp.ok() && resp->status == 200) return absl::OkStatus();
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid_ = -1;
      return absl::InternalError("alertmanager exited during start-up");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError("alertmanager did not become ready");
}

void AlertmanagerProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

absl::Status AlertmanagerProcess::Restart() {
  Stop();
  return Launch();
}

AlertmanagerProcess::AlertmanagerProcess(AlertmanagerProcess&& other) noexcept
    : pid_(other.pid_),
      url_(std::move(other.url_)),
      dir_(std::move(other.dir_)) {
  other.pid_ = -1;
  other.dir_.clear();
}

AlertmanagerProcess::~AlertmanagerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace vigil::testing
