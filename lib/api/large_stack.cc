// See large_stack.h.
#include "lib/api/large_stack.h"

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <exception>
#include <utility>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VIGIL_LARGE_STACK_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define VIGIL_LARGE_STACK_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VIGIL_LARGE_STACK_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define VIGIL_LARGE_STACK_TSAN 1
#endif

#if defined(VIGIL_LARGE_STACK_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(VIGIL_LARGE_STACK_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace vigil::api {

namespace {

// One per thread. The sanitizers are told about every switch: ASan keeps
// its own idea of the current stack's bounds (for exceptions and
// use-after-return), TSan keeps a shadow call stack per fiber.
class LargeStack {
 public:
  LargeStack() = default;
  LargeStack(const LargeStack&) = delete;
  LargeStack& operator=(const LargeStack&) = delete;
  ~LargeStack() {
#if defined(VIGIL_LARGE_STACK_TSAN)
    if (tsan_fiber_ != nullptr) __tsan_destroy_fiber(tsan_fiber_);
#endif
    if (map_ != nullptr) munmap(map_, map_bytes_);
  }

  bool Run(const std::function<void()>& fn) {
    if (running_) {
      fn();
      return true;
    }
    if (map_ == nullptr && !Map()) return false;
    ucontext_t fiber = start_;
    const auto self = reinterpret_cast<uintptr_t>(this);
    makecontext(&fiber, reinterpret_cast<void (*)()>(&Entry), 2,
                static_cast<unsigned>(self), static_cast<unsigned>(self >> 32));
    fn_ = &fn;
    error_ = nullptr;
    running_ = true;
#if defined(VIGIL_LARGE_STACK_TSAN)
    tsan_caller_ = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
#if defined(VIGIL_LARGE_STACK_ASAN)
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, stack_, stack_bytes_);
#endif
    swapcontext(&caller_, &fiber);
#if defined(VIGIL_LARGE_STACK_ASAN)
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
    running_ = false;
    // A deep request's pages go back, as they did when its thread exited;
    // the top, which every request touches, stays.
    if (stack_bytes_ > kLargeStackKeptBytes) {
      madvise(stack_, stack_bytes_ - kLargeStackKeptBytes, MADV_DONTNEED);
    }
    if (error_ != nullptr) std::rethrow_exception(std::exchange(error_, {}));
    return true;
  }

  size_t ResidentBytes() const {
    if (map_ == nullptr) return 0;
    const size_t page = PageBytes();
    std::vector<unsigned char> pages(stack_bytes_ / page);
    if (mincore(stack_, stack_bytes_, pages.data()) != 0) return 0;
    size_t n = 0;
    for (unsigned char p : pages) n += p & 1;
    return n * page;
  }

 private:
  static size_t PageBytes() {
    return static_cast<size_t>(sysconf(_SC_PAGESIZE));
  }

  bool Map() {
    const size_t guard = PageBytes();
    map_bytes_ = kLargeStackBytes + guard;
    void* m =
        mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (m == MAP_FAILED) return false;
    // The lowest page stays unmapped in effect: an overflow faults there
    // instead of running into whatever lies below.
    if (mprotect(m, guard, PROT_NONE) != 0) {
      munmap(m, map_bytes_);
      return false;
    }
    map_ = static_cast<char*>(m);
    stack_ = map_ + guard;
    stack_bytes_ = kLargeStackBytes;
    if (getcontext(&start_) != 0) {
      munmap(map_, map_bytes_);
      map_ = nullptr;
      return false;
    }
    start_.uc_stack.ss_sp = stack_;
    start_.uc_stack.ss_size = stack_bytes_;
    start_.uc_link = nullptr;
#if defined(VIGIL_LARGE_STACK_TSAN)
    tsan_fiber_ = __tsan_create_fiber(0);
#endif
    return true;
  }

  // makecontext passes ints: the object's address comes in two halves.
  static void Entry(unsigned lo, unsigned hi) {
    auto* self = reinterpret_cast<LargeStack*>(
        static_cast<uintptr_t>(lo) | static_cast<uintptr_t>(hi) << 32);
#if defined(VIGIL_LARGE_STACK_ASAN)
    __sanitizer_finish_switch_fiber(nullptr, &self->caller_bottom_,
                                    &self->caller_size_);
#endif
    try {
      (*self->fn_)();
    } catch (...) {
      // Unwinding cannot leave this stack: the caller rethrows it.
      self->error_ = std::current_exception();
    }
#if defined(VIGIL_LARGE_STACK_ASAN)
    // nullptr: this run of the fiber ends; its fake frames can go.
    __sanitizer_start_switch_fiber(nullptr, self->caller_bottom_,
                                   self->caller_size_);
#endif
#if defined(VIGIL_LARGE_STACK_TSAN)
    __tsan_switch_to_fiber(self->tsan_caller_, 0);
#endif
    setcontext(&self->caller_);
  }

  char* map_ = nullptr;
  size_t map_bytes_ = 0;
  char* stack_ = nullptr;
  size_t stack_bytes_ = 0;
  ucontext_t start_{};   // getcontext() once; copied for every run
  ucontext_t caller_{};  // where a run returns to
  const std::function<void()>* fn_ = nullptr;
  std::exception_ptr error_;
  bool running_ = false;
#if defined(VIGIL_LARGE_STACK_ASAN)
  const void* caller_bottom_ = nullptr;
  size_t caller_size_ = 0;
#endif
#if defined(VIGIL_LARGE_STACK_TSAN)
  void* tsan_caller_ = nullptr;
  void* tsan_fiber_ = nullptr;
#endif
};

LargeStack& ThreadStack() {
  thread_local LargeStack stack;
  return stack;
}

}  // namespace

bool RunOnLargeStack(const std::function<void()>& fn) {
  return ThreadStack().Run(fn);
}

size_t LargeStackResidentBytes() { return ThreadStack().ResidentBytes(); }

}  // namespace vigil::api
