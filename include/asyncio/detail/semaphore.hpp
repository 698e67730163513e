#pragma once
// The waiter behind Semaphore and BoundedSemaphore. Not API.

#include <asyncio/detail/primitive_waiter.hpp>

namespace asyncio {
class Semaphore;
}  // namespace asyncio

namespace asyncio::detail {
struct SemaphoreAcquireWaiter : PrimitiveWaiter {
  struct params {
    Semaphore* sem;
  };
  using result_type = bool;
  explicit SemaphoreAcquireWaiter(const params& p) noexcept : sem(p.sem) {
    describe_wait = &describe_primitive<SemaphoreAcquireWaiter, &SemaphoreAcquireWaiter::sem>;
  }
  bool ready() noexcept;
  void suspend(EventLoop& loop, TaskCore* task) noexcept;
  bool resume();
  Semaphore& primitive() const noexcept { return *sem; }
  Semaphore* sem;
};
}  // namespace asyncio::detail
