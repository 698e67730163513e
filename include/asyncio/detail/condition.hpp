#pragma once
// The waiter behind Condition. Not API.

#include <asyncio/detail/primitive_waiter.hpp>

namespace asyncio {
class Condition;
}  // namespace asyncio

namespace asyncio::detail {
struct ConditionWaiter : PrimitiveWaiter {
  struct params {
    Condition* cond;
    bool* gone;  // set when the Condition is destroyed while this waits
  };
  using result_type = void;
  explicit ConditionWaiter(const params& p) noexcept : cond(p.cond), gone(p.gone) {
    describe_wait = &describe_primitive<ConditionWaiter, &ConditionWaiter::cond>;
  }
  ConditionWaiter(const ConditionWaiter&) = delete;
  ~ConditionWaiter() {
    if (detached) *gone = true;
  }
  bool ready() const noexcept { return false; }
  void suspend(EventLoop& loop, TaskCore* task) noexcept;
  void resume();
  Condition* cond;
  bool* gone;
};
}  // namespace asyncio::detail
