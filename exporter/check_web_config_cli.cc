// `vigil check web-config`; see check_web_config_cli.h.
#include "exporter/check_web_config_cli.h"

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/api.h"

namespace vigil::cli {

namespace {

constexpr std::string_view kUsage =
    R"(usage: vigil check web-config WEB-CONFIG-FILE...

Validates web configuration files (--web.config.file; exporter-toolkit's
format, as `promtool check web-config`): strict YAML, allowed headers,
bcrypt hashes, and when TLS is on, that the certificate, key and client CA
files load and the client auth policy is consistent.

Exit status: 0 valid, 1 invalid, 2 bad usage.
)";

}  // namespace

int RunCheckWebConfig(int argc, char** argv) {
  std::vector<std::string> files;
  for (int i = 3; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (arg.size() > 1 && arg.front() == '-') {
      std::cerr << "vigil check web-config: unknown flag " << arg << "\n"
                << kUsage;
      return 2;
    }
    files.emplace_back(arg);
  }
  if (files.empty()) {
    std::cerr << "vigil check web-config: no file given\n" << kUsage;
    return 2;
  }
  bool failed = false;
  for (const std::string& file : files) {
    const absl::Status status = api::ValidateWebConfig(file);
    if (status.ok()) {
      std::cerr << file << " SUCCESS\n";
    } else {
      std::cerr << file << " FAILED: " << status.message() << "\n";
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

}  // namespace vigil::cli
