#pragma once
// The state of a `Future<T>` and the waiter behind `co_await future`. Not API.

#include <asyncio/detail/awaiter.hpp>
#include <asyncio/detail/describe_value.hpp>
#include <asyncio/detail/future_core.hpp>
#include <asyncio/detail/task_core.hpp>
#include <asyncio/event_loop.hpp>

#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

/// The state of a `Future<T>`.
template <typename T>
class FutureState : public FutureCore {
 public:
  using FutureCore::FutureCore;

  template <typename... U>
  void set_result(U&&... u) {
    check_thread();
    ensure_pending();
    if constexpr (!std::is_void_v<T>) result_.set(std::forward<U>(u)...);
    mark_done(State::finished);
  }
  decltype(auto) result() {
    check_result();
    return result_.get();
  }

 private:
  void describe_result(std::ostream& os) const override { result_.describe(os); }
  ResultSlot<T> result_;
};

/// Waits for a future-like state S (a FutureState<T> or TaskState<T>).
/// Python: `Future.__await__` plus `Task.__wakeup`.
template <typename S>
struct FutureWaiter : Waiter {
  using result_type = decltype(std::declval<S&>().result());

  // The waiter holds a reference: the awaited handle may be an lvalue that its owner drops
  // while the coroutine waits (Python's awaiting task keeps the future alive too).
  template <typename Handle>
  explicit FutureWaiter(const Handle& h) : state(HandleAccess::state(h)) {
    try_cancel = [](Waiter* w, const std::string& msg) {
      return static_cast<FutureWaiter*>(w)->state->cancel(msg);
    };
    describe_wait = [](const Waiter* w, std::ostream& os) {
      static_cast<const FutureWaiter*>(w)->state->describe(os);
    };
  }
  FutureWaiter(const FutureWaiter&) = delete;
  ~FutureWaiter() { state->remove_waiter(this); }

  bool ready() {
    if (state->done()) return true;
    EventLoop* loop = running_loop;
    TaskCore* current = LoopInternals::current_task(*loop);
    if (state->loop_unchecked() != loop) {
      throw RuntimeError("Task " + (current ? current->repr() + " " : std::string()) +
                         "got Future " + state->repr() + " attached to a different loop");
    }
    if (static_cast<FutureCore*>(current) == state.get()) {
      throw RuntimeError("Task cannot await on itself: " + state->repr());
    }
    return false;
  }
  void suspend(EventLoop&, TaskCore* task) {
    state->add_waiter(this);
    park(this, task);
  }
  result_type resume() {
    if (this->cancelled && !state->cancelled()) {
      // The task was cancelled after this future completed: the result stays in the
      // future, the task gets CancelledError (Python's __step with _must_cancel).
      throw CancelledError(task ? task->take_cancel_message() : std::string());
    }
    return state->result();
  }

  Ref<S> state;
};

}  // namespace asyncio::detail
