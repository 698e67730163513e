#pragma once
// The waiter behind Lock. Not API.

#include <asyncio/detail/primitive_waiter.hpp>

namespace asyncio {
class Lock;
}  // namespace asyncio

namespace asyncio::detail {
struct LockAcquireWaiter : PrimitiveWaiter {
  struct params {
    Lock* lock;
  };
  using result_type = bool;
  explicit LockAcquireWaiter(const params& p) noexcept : lock(p.lock) {
    describe_wait = &describe_primitive<LockAcquireWaiter, &LockAcquireWaiter::lock>;
  }
  inline bool ready() noexcept;  // below Lock: they are on every hop, so inline
  inline void suspend(EventLoop& loop, TaskCore* task) noexcept;
  inline bool resume();
  [[noreturn]] void resume_cancelled();
  Lock& primitive() const noexcept { return *lock; }
  Lock* lock;
};
}  // namespace asyncio::detail
