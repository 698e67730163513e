#pragma once
/// `Task<T>` and `create_task`: a coroutine scheduled to run on the loop. Python: `asyncio.Task`.

#include <asyncio/awaitable.hpp>
#include <asyncio/detail/task.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/future.hpp>
#include <asyncio/operation.hpp>

#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio {

/// A handle to a task of any result type. Python: `asyncio.Task` where its type is unknown
/// (`current_task()`, `all_tasks()`). Pointer-like: null when default-constructed.
class AnyTask {
 public:
  AnyTask() noexcept = default;

  /// Python: `Task.cancel(msg=None)`: request that `CancelledError` be raised at the task's
  /// current `co_await` (an Asio operation is cancelled through its cancellation slot).
  /// Returns false when the task is already done.
  bool cancel(std::string msg = {}) { return core_->cancel(std::move(msg)); }
  bool cancelled() const noexcept { return core_->cancelled(); }
  bool done() const noexcept { return core_->done(); }
  /// Python: `Task.exception()`. Throws: `CancelledError`, `InvalidStateError` when pending.
  std::exception_ptr exception() const { return core_->exception(); }
  /// Python: `Task.cancelling()`: pending cancellation requests.
  int cancelling() const noexcept { return core_->cancelling(); }
  /// Python: `Task.uncancel()`: withdraws one cancellation request; returns the rest.
  int uncancel() noexcept { return core_->uncancel(); }
  /// Python: `Task.get_name()` ("Task-N" unless named).
  std::string get_name() const { return core_->get_name(); }
  void set_name(std::string name) { core_->set_name(std::move(name)); }
  /// Python: `Task.remove_done_callback(cb)`: the number of callbacks removed.
  std::size_t remove_done_callback(std::uint64_t id) noexcept {
    return core_->remove_done_callback(id);
  }
  /// Python: `Task.add_done_callback(cb)`; `cb` receives this handle. Returns an id.
  template <std::invocable<AnyTask> F>
  std::uint64_t add_done_callback(F cb) {
    detail::TaskCore* core = core_.get();
    auto call = [cb = std::move(cb), core]() mutable {
      cb(AnyTask(detail::Ref<detail::TaskCore>(core)));
    };
    return core->add_callback_node(new detail::DoneCallback<decltype(call)>(std::move(call), core));
  }
  EventLoop& get_loop() const {
    EventLoop* l = core_->loop();
    if (!l) throw RuntimeError("the Task's event loop no longer exists");
    return *l;
  }

  explicit operator bool() const noexcept { return static_cast<bool>(core_); }
  AnyTask* operator->() noexcept { return this; }
  const AnyTask* operator->() const noexcept { return this; }

  friend bool operator==(const AnyTask& a, const AnyTask& b) noexcept {
    return a.core_.get() == b.core_.get();
  }
  /// Python's repr: `<Task pending name='Task-1'>`.
  friend std::ostream& operator<<(std::ostream& os, const AnyTask& t) {
    if (!t.core_) return os << "None";
    t.core_->describe(os);
    return os;
  }

 protected:
  friend struct detail::HandleAccess;
  explicit AnyTask(detail::Ref<detail::TaskCore> core) noexcept : core_(std::move(core)) {}
  detail::TaskCore* core() const noexcept { return core_.get(); }

  detail::Ref<detail::TaskCore> core_;
};

/// A coroutine running concurrently on the loop. Python: `asyncio.Task`.
///
/// Created by `create_task`; the body starts on a later loop iteration. The loop keeps a
/// running task alive, so dropping every handle neither cancels nor leaks it. A cheap
/// copyable handle that stays valid after the task ends and after the loop stops.
/// `co_await task` gives the result or rethrows (`CancelledError` for a cancelled task);
/// any number of coroutines may await one task.
///
/// Threads: the loop's thread only.
template <typename T = void>
class Task : public AnyTask {
 public:
  using value_type = T;
  Task() noexcept = default;

  /// Python: `Task.result()`. Throws: the task's exception, `CancelledError`, or
  /// `InvalidStateError("Result is not set.")`.
  T result() const { return state()->result(); }

  /// Python: `Task.add_done_callback(cb)`; `cb` receives this task. Returns an id.
  template <std::invocable<Task<T>> F>
  std::uint64_t add_done_callback(F cb) {
    detail::TaskCore* core = core_.get();
    auto call = [cb = std::move(cb), core]() mutable {
      cb(Task<T>(detail::Ref<detail::TaskCore>(core)));
    };
    return core->add_callback_node(new detail::DoneCallback<decltype(call)>(std::move(call), core));
  }

  /// Makes `co_await task` and Asio completion tokens work (an Asio async operation).
  template <boost::asio::completion_token_for<
      detail::signature_of<detail::FutureWaiter<detail::TaskState<T>>>>
                Token>
  auto operator()(Token&& token) const {
    return detail::initiate<detail::FutureWaiter<detail::TaskState<T>>>(*this,
                                                                        std::forward<Token>(token));
  }

 private:
  friend struct detail::HandleAccess;
  explicit Task(detail::Ref<detail::TaskCore> core) noexcept : AnyTask(std::move(core)) {}
  detail::TaskState<T>* state() const noexcept {
    return static_cast<detail::TaskState<T>*>(core_.get());
  }
};

template <typename T>
Task<T> EventLoop::create_task(awaitable<T> coro, std::string name) {
  check_callable_here();
  auto* state = new detail::TaskState<T>(*this, std::move(name), std::move(coro));
  return detail::HandleAccess::adopt<Task<T>>(detail::Ref<detail::TaskCore>(state, false));
}

/// Python: `asyncio.create_task(coro, name=...)`: schedule `coro` as a task on the running
/// loop; it starts on a later iteration. Throws: `RuntimeError` when no loop runs.
template <typename T>
Task<T> create_task(awaitable<T> coro, std::string name = {}) {
  return detail::require_running_loop().create_task(std::move(coro), std::move(name));
}

template <typename W>
Task<typename W::result_type> EventLoop::create_task(Operation<W> op, std::string name) {
  return create_task(detail::as_coroutine(std::move(op)), std::move(name));
}

/// `create_task(asyncio::sleep(1s))` and the like: an operation run as a task, as Python's
/// coroutine functions are.
template <typename W>
Task<typename W::result_type> create_task(Operation<W> op, std::string name = {}) {
  return create_task(detail::as_coroutine(std::move(op)), std::move(name));
}

template <std::invocable F>
auto EventLoop::create_task(F fn, std::string name) {
  return create_task(detail::call_and_await(std::move(fn)), std::move(name));
}

/// `create_task([=]() -> awaitable<T> {...})`: a coroutine function run as a task, the
/// callable (and so its captures) kept alive inside the task until it ends. Python:
/// `asyncio.create_task(coro_fn())`, where the C++ spelling `create_task(lambda())` would
/// leave the coroutine reading the captures of a lambda destroyed at the end of the
/// statement. The callable is called when the task starts.
/// Throws: `RuntimeError` when no loop runs.
template <std::invocable F>
auto create_task(F fn, std::string name = {}) {
  return detail::require_running_loop().create_task(std::move(fn), std::move(name));
}

/// Python: `asyncio.current_task()`: the running task, or a null handle in a plain
/// callback. Throws: `RuntimeError` when no loop runs.
AnyTask current_task();

/// Python: `asyncio.all_tasks()`: the running loop's unfinished tasks, in creation order.
/// Throws: `RuntimeError` when no loop runs.
std::vector<AnyTask> all_tasks();
/// The unfinished tasks of `loop` (Python: `all_tasks(loop)`).
std::vector<AnyTask> all_tasks(EventLoop& loop);

template <typename T>
T EventLoop::run_until_complete(Task<T> task) {
  detail::run_until_done(*this, *detail::HandleAccess::core(task));
  return task.result();
}

template <typename T>
T EventLoop::run_until_complete(Future<T> future) {
  detail::run_until_done(*this, *detail::HandleAccess::core(future));
  return future.result();
}

template <typename T>
T EventLoop::run_until_complete(awaitable<T> main) {
  check_runnable();  // before the coroutine is wrapped: a refused call must not run it
  return run_until_complete(create_task(std::move(main)));
}

}  // namespace asyncio
