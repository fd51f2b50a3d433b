// Polling for conditions that other threads or processes make true, for
// tests that must not sleep a fixed time.
#ifndef VIGIL_TESTS_SUPPORT_WAIT_FOR_H_
#define VIGIL_TESTS_SUPPORT_WAIT_FOR_H_

#include <chrono>
#include <functional>
#include <thread>

namespace vigil::testing {

// Polls `done` every 10 ms for up to `timeout`; true once it holds.
inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_WAIT_FOR_H_
