// A fresh directory under /tmp for one test, removed with everything in it
// when the test ends.
#ifndef VIGIL_TESTS_SUPPORT_TEMP_DIR_H_
#define VIGIL_TESTS_SUPPORT_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace vigil::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vigil-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_TEMP_DIR_H_
