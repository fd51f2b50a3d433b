// What a fuzz target does on a broken invariant: names the target, the
// invariant and the offending text on stderr, and aborts, which libFuzzer
// reports as a crash and saves the input for.
#ifndef VIGIL_FUZZ_FUZZ_DIE_H_
#define VIGIL_FUZZ_FUZZ_DIE_H_

#include <errno.h>  // program_invocation_short_name (glibc)

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace vigil::fuzz {

[[noreturn]] inline void Die(const char* what, std::string_view detail) {
  std::fprintf(stderr, "%s: %s: %.*s\n", program_invocation_short_name, what,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace vigil::fuzz

#endif  // VIGIL_FUZZ_FUZZ_DIE_H_
