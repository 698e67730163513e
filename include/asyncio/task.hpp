#pragma once
/// `Task<T>` and `create_task`: a coroutine scheduled to run on the loop. Python: `asyncio.Task`.

#include <asyncio/awaitable.hpp>
#include <asyncio/detail/awaiter.hpp>
#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/task_core.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/future.hpp>

#include <boost/asio/any_io_executor.hpp>

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

template <typename T>
class Task;

namespace detail {

template <typename T>
class TaskState;

template <typename T>
entry_point task_entry(TaskState<T>* state, awaitable<T> body);

/// The state of a `Task<T>`: TaskCore plus the result and, until the first step, the
/// coroutine.
template <typename T>
class TaskState final : public TaskCore {
 public:
  TaskState(EventLoop& loop, std::string&& name, awaitable<T> body)
      : TaskCore(loop, std::move(name)), entry_(task_entry<T>(this, std::move(body))) {}

  decltype(auto) result() {
    check_result();
    return result_.get();
  }
  template <typename U>
  void finish_with(U&& value) {
    result_.set(std::forward<U>(value));
    finish_value();
  }

 private:
  void launch() override {
    launch_thread(std::move(entry_), boost::asio::any_io_executor(LoopExecutor(*loop_, this)),
                  cancel_signal_.slot());
  }
  void drop_coroutine() noexcept override { entry_point dropped(std::move(entry_)); }
  void describe_result(std::ostream& os) const override {
    if constexpr (std::is_void_v<T>) {
      os << "result=None";
    } else {
      os << "result=";
      describe_value(os, *result_.value);
    }
  }

  ResultSlot<T> result_;
  entry_point entry_;
};

/// Marks the task abandoned if its coroutine is destroyed before it finishes.
struct AbandonGuard {
  TaskCore* task;
  ~AbandonGuard() {
    if (!task->done()) task->abandon();
  }
};

/// The bottom frame of every task: runs the body and stores how it ended.
template <typename T>
entry_point task_entry(TaskState<T>* state, awaitable<T> body) {
  AbandonGuard guard{state};
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(body);
      state->finish_value();
    } else {
      state->finish_with(co_await std::move(body));
    }
  } catch (const CancelledError& e) {
    state->finish_cancelled(e);
  } catch (...) {
    state->finish_exception(std::current_exception());
  }
}

}  // namespace detail

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
  template <typename F>
  requires std::invocable<F&, AnyTask> std::uint64_t add_done_callback(F cb) {
    detail::TaskCore* core = core_.get();
    auto call = [cb = std::move(cb), core]() mutable {
      cb(AnyTask(detail::Ref<detail::TaskCore>::share(core)));
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

  detail::TaskCore* detail_core() const noexcept { return core_.get(); }
  explicit AnyTask(detail::Ref<detail::TaskCore> core) noexcept : core_(std::move(core)) {}

 protected:
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
  T result() const { return detail_state()->result(); }

  /// Python: `Task.add_done_callback(cb)`; `cb` receives this task. Returns an id.
  template <typename F>
  requires std::invocable<F&, Task<T>> std::uint64_t add_done_callback(F cb) {
    detail::TaskCore* core = core_.get();
    auto call = [cb = std::move(cb), core]() mutable {
      cb(Task<T>(detail::Ref<detail::TaskCore>::share(core)));
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

  detail::TaskState<T>* detail_state() const noexcept {
    return static_cast<detail::TaskState<T>*>(core_.get());
  }
  explicit Task(detail::Ref<detail::TaskCore> core) noexcept : AnyTask(std::move(core)) {}
};

template <typename T>
Task<T> EventLoop::create_task(awaitable<T> coro, std::string name) {
  check_callable_here();
  auto* state = new detail::TaskState<T>(*this, std::move(name), std::move(coro));
  return Task<T>(detail::Ref<detail::TaskCore>(state));
}

/// Python: `asyncio.create_task(coro, name=...)`: schedule `coro` as a task on the running
/// loop; it starts on a later iteration. Throws: `RuntimeError` when no loop runs.
template <typename T>
Task<T> create_task(awaitable<T> coro, std::string name = {}) {
  return detail::require_running_loop().create_task(std::move(coro), std::move(name));
}

namespace detail {
/// A coroutine that awaits an asyncio operation (what Python's `sleep()` itself is).
template <typename W>
awaitable<typename W::result_type> as_coroutine(Awaitable<W> op) {
  co_return co_await std::move(op);  // moved: a put of a move-only item must not copy it
}
}  // namespace detail

template <typename W>
Task<typename W::result_type> EventLoop::create_task(detail::Awaitable<W> op, std::string name) {
  return create_task(detail::as_coroutine(std::move(op)), std::move(name));
}

/// `create_task(asyncio::sleep(1s))` and the like: an operation run as a task, as Python's
/// coroutine functions are.
template <typename W>
Task<typename W::result_type> create_task(detail::Awaitable<W> op, std::string name = {}) {
  return create_task(detail::as_coroutine(std::move(op)), std::move(name));
}

namespace detail {
/// The `T` of what a coroutine function returns: `awaitable<T>` or an asyncio operation.
template <typename R>
struct coroutine_value {};
template <typename T>
struct coroutine_value<awaitable<T>> {
  using type = T;
};
template <typename W>
struct coroutine_value<Awaitable<W>> {
  using type = typename W::result_type;
};

/// Python's coroutine function (`async def`): a callable taking no arguments and returning
/// an `awaitable<T>` or an asyncio operation (what `sleep(1s)` returns).
template <typename F>
concept coroutine_function = std::invocable<F&> && requires {
  typename coroutine_value<std::invoke_result_t<F&>>::type;
};

/// The `T` of a coroutine function `F`. A callable that returns anything else stops the
/// build here with a message of its own, rather than with a list of candidate overloads.
template <typename F>
struct coroutine_function_result {
  static_assert(!std::invocable<F&>,
                "asyncio: a callable given in place of a coroutine must take no arguments and "
                "return asyncio::awaitable<T> or an asyncio operation (such as sleep(1s))");
  using type = void;  // F is no callable: the overload is discarded by its constraint
};
template <coroutine_function F>
struct coroutine_function_result<F> {
  using type = typename coroutine_value<std::invoke_result_t<F&>>::type;
};
template <typename F>
using coroutine_function_t = typename coroutine_function_result<F>::type;

/// The coroutine that calls `f` and awaits what it returns. `f` is a parameter, so it lives
/// in the coroutine frame: a lambda's captures (which live in the lambda object, not in
/// the frame of the coroutine it returns) stay alive for as long as that coroutine runs.
template <typename F>
awaitable<coroutine_function_t<F>> call_and_await(F f) {
  co_return co_await std::invoke(f);
}
}  // namespace detail

template <typename F>
requires std::invocable<F&> Task<typename detail::coroutine_function_result<F>::type>
EventLoop::create_task(F fn, std::string name) {
  return create_task(detail::call_and_await(std::move(fn)), std::move(name));
}

/// `create_task([=]() -> awaitable<T> {...})`: a coroutine function run as a task, the
/// callable (and so its captures) kept alive inside the task until it ends. Python:
/// `asyncio.create_task(coro_fn())`, where the C++ spelling `create_task(lambda())` would
/// leave the coroutine reading the captures of a lambda destroyed at the end of the
/// statement. The callable is called when the task starts.
/// Throws: `RuntimeError` when no loop runs.
template <typename F>
requires std::invocable<F&> Task<detail::coroutine_function_t<F>> create_task(
    F fn, std::string name = {}) {
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

namespace detail {
/// Runs the loop until `core` is done. Python: the body of `run_until_complete`.
void run_until_done(EventLoop& loop, FutureCore& core);

template <typename T>
struct waiter_of<Task<T>> {
  using type = FutureWaiter<TaskState<T>>;
};
}  // namespace detail

template <typename T>
T EventLoop::run_until_complete(Task<T> task) {
  detail::run_until_done(*this, *task.detail_core());
  return task.result();
}

template <typename T>
T EventLoop::run_until_complete(Future<T> future) {
  detail::run_until_done(*this, *future.detail_state());
  return future.result();
}

template <typename T>
T EventLoop::run_until_complete(awaitable<T> main) {
  check_runnable();  // before the coroutine is wrapped: a refused call must not run it
  return run_until_complete(create_task(std::move(main)));
}

}  // namespace asyncio
