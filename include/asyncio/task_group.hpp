#pragma once
/// `TaskGroup` and `task_group`: structured concurrency. Python: `asyncio.TaskGroup`.

#include <asyncio/awaitable.hpp>
#include <asyncio/detail/task_group.hpp>
#include <asyncio/ensure_future.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>

#include <exception>
#include <iosfwd>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio {

/// A group of tasks that all finish before the group does. Python: `asyncio.TaskGroup`
/// (`async with asyncio.TaskGroup() as tg:` is `co_await asyncio::task_group(body)`).
///
/// The first child that fails cancels the other children and the body; every failure other
/// than cancellation comes out of `task_group` as one `ExceptionGroup` (the body's own
/// exception last). No child outlives the group.
/// Cancellation: cancelling the task running the group cancels the body and the children;
/// `CancelledError` propagates once they have all ended. `cancelling()` counts are kept as
/// Python 3.13 keeps them (nested groups, a group inside `timeout()`).
/// Threads: the loop's thread only.
class TaskGroup {
 public:
  TaskGroup() = default;
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  ~TaskGroup();

  /// Python: `tg.create_task(coro, name=...)`.
  /// Throws: `RuntimeError` when the group has not been entered, is finished, or is
  /// shutting down.
  template <typename T>
  Task<T> create_task(awaitable<T> coro, std::string name = {}) {
    check_can_create();
    Task<T> task = parent_loop().create_task(std::move(coro), std::move(name));
    adopt(detail::HandleAccess::core(task));
    return task;
  }
  template <typename W>
  Task<typename W::result_type> create_task(Operation<W> op, std::string name = {}) {
    return create_task(detail::as_coroutine(std::move(op)), std::move(name));
  }
  /// `tg.create_task([=]() -> awaitable<T> {...})`: a coroutine function run as a child
  /// task, kept alive (with its captures) until the child ends. A `[&]` capture may refer
  /// to the variables around `task_group()`, which outlive every child, but not to the
  /// body's own locals: the body's frame ends before the group waits for its children.
  template <std::invocable F>
  auto create_task(F fn, std::string name = {}) {
    return create_task(detail::call_and_await(std::move(fn)), std::move(name));
  }

  /// Python 3.15: `tg.cancel()`: cancel the children and the body, and leave the group
  /// without `CancelledError`. Before the group is entered, it is cancelled on entry;
  /// after it has finished, nothing happens.
  void cancel();

  /// Python's repr: `<TaskGroup tasks=2 entered>`.
  friend std::ostream& operator<<(std::ostream& os, const TaskGroup& tg);

  // --- the `async with` protocol, used by task_group() ------------------------------
  /// Python: `__aenter__`. Throws: `RuntimeError` outside a task or when entered twice.
  void enter();
  /// Python: `__aexit__`: waits for the children, then raises what the group must raise.
  /// `body_error` is the exception the body ended with, if any.
  awaitable<void> exit(std::exception_ptr body_error);

 private:
  friend struct detail::GroupChild;
  EventLoop& parent_loop() const;
  void check_can_create() const;
  void adopt(detail::TaskCore* child);
  void abort() noexcept;
  void on_task_done(detail::GroupChild* node) noexcept;
  static void child_done(detail::ReadyNode* n, detail::ReadyNode::Action a);

  AnyTask parent_;
  detail::GroupChildren children_;  // the children not yet done, the newest first
  std::vector<std::exception_ptr> errors_;
  std::optional<Future<void>> on_completed_;
  bool entered_ = false;
  bool exiting_ = false;
  bool aborting_ = false;
  bool parent_cancel_requested_ = false;
  bool cancel_on_enter_ = false;
};

/// Runs `body(tg)` with a fresh TaskGroup and waits for every task it started.
/// Python: `async with asyncio.TaskGroup() as tg: ...`; gives the body's result.
///
/// `body` is a callable taking `TaskGroup&` and returning `awaitable<R>`.
/// Throws: `ExceptionGroup` with every failure (children's and the body's), or
/// `CancelledError` when the enclosing task was cancelled from outside.
template <std::invocable<TaskGroup&> F>
auto task_group(TaskGroup& tg, F body) -> std::invoke_result_t<F&, TaskGroup&> {
  using R = typename std::invoke_result_t<F&, TaskGroup&>::value_type;
  tg.enter();
  std::exception_ptr error;
  std::optional<detail::value_or_monostate<R>> result;
  try {
    if constexpr (std::is_void_v<R>) {
      co_await body(tg);
      result.emplace();
    } else {
      result.emplace(co_await body(tg));
    }
  } catch (...) {
    error = std::current_exception();
  }
  co_await tg.exit(error);
  if constexpr (!std::is_void_v<R>) {
    // No value: the body was cut short by tg.cancel(), which leaves the group quietly.
    if (!result) {
      if constexpr (std::is_default_constructible_v<R>) {
        co_return R{};
      } else {
        throw CancelledError("the TaskGroup was cancelled before its body returned a value");
      }
    }
    co_return std::move(*result);
  }
}

template <std::invocable<TaskGroup&> F>
auto task_group(F body) -> std::invoke_result_t<F&, TaskGroup&> {
  TaskGroup tg;
  co_return co_await task_group(tg, std::move(body));
}

}  // namespace asyncio
