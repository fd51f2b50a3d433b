// Every file and directory below a directory with the files' contents: what
// tests compare to show that something only read it.
#ifndef VIGIL_TESTS_SUPPORT_DIR_FILES_H_
#define VIGIL_TESTS_SUPPORT_DIR_FILES_H_

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace vigil::testing {

// Relative path -> contents ("" for a directory).
inline std::map<std::string, std::string> DirFiles(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    std::string& contents =
        out[std::filesystem::relative(e.path(), dir).string()];
    if (e.is_directory()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    contents = ss.str();
  }
  return out;
}

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_DIR_FILES_H_
