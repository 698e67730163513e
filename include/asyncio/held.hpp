#pragma once
/// `Held`: what `co_await lock.scoped()` gives. Python: the body of `async with lock:`.

#include <exception>
#include <utility>

namespace asyncio {

namespace detail {
/// A release that failed in a destructor (it was released by hand already) goes to the
/// running loop's exception handler instead of terminating the program.
void report_release_error(std::exception_ptr e) noexcept;
}  // namespace detail

/// Releases the primitive it holds (a `Lock`, `Semaphore`, `BoundedSemaphore` or
/// `Condition`) when destroyed: `auto held = co_await lock.scoped();`. Move-only.
template <typename P>
class [[nodiscard]] Held {
 public:
  explicit Held(P& p) noexcept : p_(&p) {}
  Held(Held&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Held& operator=(Held&&) = delete;
  ~Held() {
    if (p_) {
      try {
        p_->release();
      } catch (...) {
        detail::report_release_error(std::current_exception());
      }
    }
  }
  /// Releases now instead of at the end of the scope.
  void release() {
    if (p_) std::exchange(p_, nullptr)->release();
  }

 private:
  P* p_;
};

}  // namespace asyncio
