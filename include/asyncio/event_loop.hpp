#pragma once
/// The event loop. Python: `asyncio.AbstractEventLoop` / `BaseEventLoop`.

#include <asyncio/awaitable.hpp>
#include <asyncio/delay.hpp>
#include <asyncio/detail/event_loop.hpp>
#include <asyncio/exceptions.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace asyncio {

class EventLoop;
template <typename T>
class Future;
template <typename T>
class Task;
template <typename W>
class Operation;
class ThreadPoolExecutor;

namespace detail {
template <typename F>
struct coroutine_function_result;
class FutureCore;
class TaskCore;
class LoopExecutor;
struct LoopInternals;

}  // namespace detail

/// Options of `asyncio::run`, `Runner` and `new_event_loop`.
struct RunOptions {
  /// Python: `debug=True`: report slow callbacks and calls from foreign threads.
  bool debug = false;
  /// Run on a virtual clock that starts at 0 and jumps to the next timer whenever nothing
  /// is ready. Same results and order as a real-time run, without the waiting.
  bool virtual_time = false;
};

/// What `call_exception_handler` reports. Python: the `context` dict.
struct ExceptionContext {
  std::string message;           ///< Python: `context['message']`
  std::exception_ptr exception;  ///< Python: `context['exception']` (may be null)
  std::string object;            ///< repr of the future, task or handle concerned (may be empty)
};

/// A scheduled callback. Python: `asyncio.Handle`. A cheap copyable reference.
class Handle {
 public:
  Handle() noexcept = default;
  Handle(const Handle& o) noexcept : node_(o.node_) {
    if (node_) node_->add_ref();
  }
  Handle(Handle&& o) noexcept : node_(std::exchange(o.node_, nullptr)) {}
  Handle& operator=(Handle o) noexcept {
    std::swap(node_, o.node_);
    return *this;
  }
  ~Handle() {
    if (node_) node_->release();
  }

  /// Python: `Handle.cancel()`. A cancelled callback is not run; cancelling twice is harmless.
  /// Threads: the loop's thread only.
  void cancel() noexcept;
  /// Python: `Handle.cancelled()`.
  bool cancelled() const noexcept { return node_ && node_->cancelled; }
  explicit operator bool() const noexcept { return node_ != nullptr; }

 protected:
  friend class EventLoop;
  explicit Handle(detail::CallbackBase* node) noexcept : node_(node) {}  // adopts a reference

  detail::CallbackBase* node_ = nullptr;
};

/// A callback scheduled for a time. Python: `asyncio.TimerHandle`.
class TimerHandle : public Handle {
 public:
  TimerHandle() noexcept = default;
  /// Python: `TimerHandle.when()`: the scheduled time as a `loop.time()` value.
  double when() const noexcept;

 private:
  friend class EventLoop;
  explicit TimerHandle(detail::CallbackBase* node) noexcept : Handle(node) {}
};

/// The event loop: runs callbacks, tasks and timers on one thread, and polls Asio's
/// `io_context` for I/O. Python: `asyncio` event loop.
///
/// Threads: one loop per thread. Everything but `call_soon_threadsafe`, `time()` and
/// `stop()`-via-`call_soon_threadsafe` belongs to the thread that runs the loop; debug mode
/// reports a call from another thread.
class EventLoop {
 public:
  using clock = std::chrono::steady_clock;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<clock, duration>;
  using executor_type = detail::LoopExecutor;
  using ExceptionHandler = std::function<void(EventLoop&, const ExceptionContext&)>;
  using LogHandler = std::function<void(const std::string&)>;

  explicit EventLoop(RunOptions options = {});
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // --- running -------------------------------------------------------------------------

  /// Python: `loop.run_forever()`: run until `stop()` is called.
  /// Throws: `RuntimeError` if the loop is closed, already running, or another loop runs
  /// on this thread.
  void run_forever();

  /// Python: `loop.run_until_complete(aw)`: wrap `main` in a task, run until it is done, and
  /// return its result (or rethrow its exception, `CancelledError` included).
  /// Throws: `RuntimeError` if the loop stopped first ("Event loop stopped before Future
  /// completed.").
  template <typename T>
  T run_until_complete(awaitable<T> main);
  template <typename T>
  T run_until_complete(Task<T> task);
  template <typename T>
  T run_until_complete(Future<T> future);

  /// Python: `loop.stop()`: finish the current batch of callbacks, then return from
  /// `run_forever`. Before the loop runs, makes the next `run_forever` do one batch.
  void stop() noexcept { stopping_ = true; }
  /// Python: `loop.close()`: drop pending callbacks and destroy unfinished tasks' coroutines.
  /// Throws: `RuntimeError` while running.
  void close();
  bool is_running() const noexcept { return running_; }
  bool is_closed() const noexcept { return closed_; }

  // --- time ----------------------------------------------------------------------------

  /// Python: `loop.time()`: the loop clock in seconds (0 at start under virtual time).
  /// Threads: any.
  double time() const noexcept {
    return static_cast<double>(now_ns()) / detail::kNanosecondsPerSecond;
  }
  /// The loop clock as a `time_point` (the virtual clock's under virtual time).
  time_point now() const noexcept { return time_point(duration(now_ns())); }
  bool virtual_time() const noexcept { return virtual_time_; }

  // --- callbacks -----------------------------------------------------------------------

  /// Python: `loop.call_soon(cb, *args)`: run `f(args...)` on the next iteration, after
  /// what is already ready (FIFO). An exception escaping `f` goes to the exception handler.
  template <typename F, typename... Args>
  Handle call_soon(F&& f, Args&&... args) {
    auto* node = make_callback(std::forward<F>(f), std::forward<Args>(args)...);
    schedule_callback(node);
    return Handle(node);
  }

  /// Python: `loop.call_later(delay, cb, *args)`: `delay` is seconds (`0.5`) or any
  /// `std::chrono::duration` (`500ms`, exact). A negative delay means "now".
  /// Throws: `ValueError` for a NaN delay.
  template <typename F, typename... Args>
  TimerHandle call_later(Delay delay, F&& f, Args&&... args) {
    return schedule_timer(detail::deadline_after(now_ns(), delay.count()), std::forward<F>(f),
                          std::forward<Args>(args)...);
  }

  /// Python: `loop.call_at(when, cb, *args)`; `when` is a `loop.time()` value.
  template <typename F, typename... Args>
  TimerHandle call_at(double when, F&& f, Args&&... args) {
    return schedule_timer(detail::delay_to_ns(when), std::forward<F>(f),
                          std::forward<Args>(args)...);
  }
  /// `call_at` with a `now()`-based time point, exact to the nanosecond.
  template <typename F, typename... Args>
  TimerHandle call_at(time_point when, F&& f, Args&&... args) {
    return schedule_timer(when.time_since_epoch().count(), std::forward<F>(f),
                          std::forward<Args>(args)...);
  }

  /// Python: `loop.call_soon_threadsafe(cb, *args)`: schedule from any thread, waking the
  /// loop if it waits for I/O. Threads: any.
  template <typename F, typename... Args>
  Handle call_soon_threadsafe(F&& f, Args&&... args) {
    auto* node = bind_callback(std::forward<F>(f), std::forward<Args>(args)...);
    node->add_ref();  // one for the queue, one for the handle
    post_threadsafe(node);
    return Handle(node);
  }

  // --- futures and tasks ---------------------------------------------------------------

  /// Python: `loop.create_future()`.
  template <typename T = void>
  Future<T> create_future();

  /// Python: `loop.create_task(coro, name=...)`: the task starts on a later iteration.
  template <typename T>
  Task<T> create_task(awaitable<T> coro, std::string name = {});
  /// `loop.create_task(asyncio::sleep(1s))`: an asyncio operation run as a task.
  template <typename W>
  Task<typename W::result_type> create_task(Operation<W> op, std::string name = {});
  /// `loop.create_task([=]() -> awaitable<T> {...})`: a coroutine function run as a task,
  /// kept alive (with its captures) until the task ends; see the free `create_task`.
  template <std::invocable F>
  auto create_task(F fn, std::string name = {});

  // --- threads (threads.hpp) ------------------------------------------------------------

  /// Python: `loop.run_in_executor(executor, fn, *args)`: `fn(args...)` on `executor` (null:
  /// the default executor); gives a `Future` of its result. Defined in threads.hpp.
  template <typename F, typename... Args>
  auto run_in_executor(ThreadPoolExecutor* executor, F fn, Args... args);
  template <typename F, typename... Args>
  auto run_in_executor(ThreadPoolExecutor& executor, F fn, Args... args) {
    return run_in_executor(&executor, std::move(fn), std::move(args)...);
  }
  /// Python: `loop.set_default_executor(executor)`: what `to_thread` and
  /// `run_in_executor(nullptr, ...)` use from now on.
  void set_default_executor(std::shared_ptr<ThreadPoolExecutor> executor);
  /// Python: `await loop.shutdown_default_executor()`: no more calls on the default executor;
  /// waits (the loop running meanwhile) for the calls it runs. `run` and `Runner` call it on
  /// exit. Later `to_thread` calls raise `RuntimeError("Executor shutdown has been called")`.
  awaitable<void> shutdown_default_executor();

  // --- errors and debug ----------------------------------------------------------------

  /// Python: `loop.set_exception_handler(handler)`; an empty function restores the default.
  void set_exception_handler(ExceptionHandler handler) { exception_handler_ = std::move(handler); }
  const ExceptionHandler& get_exception_handler() const noexcept { return exception_handler_; }
  /// Python: `loop.default_exception_handler(context)`: writes the context to the log.
  void default_exception_handler(const ExceptionContext& context);
  /// Python: `loop.call_exception_handler(context)`. Never throws.
  void call_exception_handler(const ExceptionContext& context) noexcept;

  /// Where warnings and the default exception handler write (default: standard error).
  /// Python: the `asyncio` logger.
  void set_log_handler(LogHandler handler) { log_handler_ = std::move(handler); }
  void log(const std::string& message) noexcept;

  bool get_debug() const noexcept { return debug_; }
  void set_debug(bool enabled) noexcept {
    if (enabled != debug_)
      detail::debug_loops.fetch_add(enabled ? 1 : -1, std::memory_order_relaxed);
    debug_ = enabled;
  }
  /// Python: `loop.slow_callback_duration`: in debug mode, callbacks or task steps that run
  /// at least this long (seconds, wall clock) are logged.
  double slow_callback_duration = 0.1;

  // --- Asio interop --------------------------------------------------------------------

  /// An Asio executor that runs work on this loop (as a ready callback).
  executor_type get_executor() noexcept;
  /// The `io_context` the loop polls for I/O: create sockets and timers on it.
  boost::asio::io_context& get_io_context() noexcept;

  /// Work started elsewhere (a thread, another process) that will come back to this loop:
  /// while any is pending, virtual time does not jump ahead of it. Threads: any.
  void add_external_work() noexcept { external_pending_.fetch_add(1, std::memory_order_relaxed); }
  void remove_external_work() noexcept;

 private:
  friend struct detail::LoopInternals;
  friend void detail::note_blocked_on(EventLoop& loop, int delta) noexcept;
  friend void detail::check_loop_thread(const EventLoop* loop);
  friend class Handle;
  friend class TimerHandle;

  std::int64_t now_ns() const noexcept;

  template <typename F, typename... Args>
  detail::CallbackBase* make_callback(F&& f, Args&&... args) {
    check_callable_here();
    return bind_callback(std::forward<F>(f), std::forward<Args>(args)...);
  }
  template <typename F, typename... Args>
  detail::CallbackBase* bind_callback(F&& f, Args&&... args) {
    auto bound = [f = std::forward<F>(f),
                  tup = std::make_tuple(std::forward<Args>(args)...)]() mutable {
      std::apply(f, tup);
    };
    return new detail::Callback<decltype(bound)>(this, std::move(bound));
  }
  template <typename F, typename... Args>
  TimerHandle schedule_timer(std::int64_t when, F&& f, Args&&... args) {
    auto* node = make_callback(std::forward<F>(f), std::forward<Args>(args)...);
    node->is_timer = true;
    node->add_ref();  // the heap's reference
    add_timer(node, when);
    return TimerHandle(node);
  }

  void check_callable_here() const;  // closed loop, foreign thread (debug)
  ThreadPoolExecutor& default_executor();
  void check_runnable() const;  // closed, running, another loop running
  void schedule_callback(detail::CallbackBase* node);
  void add_timer(detail::TimerNode* node, std::int64_t when);
  void post_threadsafe(detail::CallbackBase* node);
  bool claim_wake_locked() noexcept;
  void post_wake() noexcept;
  bool begin_sleep(bool for_external_work = false) noexcept;
  bool external_working() const noexcept;
  void end_sleep() noexcept;
  bool spin_for_inbox(std::int64_t limit_ns) noexcept;
  void drain_inbox(std::size_t limit) noexcept;
  void drain_inbox_all() noexcept;
  void run_once();
  void poll_io();
  void poll_virtual();
  std::string deadlock_report() const;
  void run_ready_batch();
  bool can_continue_batch() const noexcept;
  bool next_timer_due() const noexcept;
  void teardown();

  struct Impl;
  std::unique_ptr<Impl> impl_;
  detail::ReadyQueue ready_;
  detail::TimerHeap timers_;
  detail::TaskCore* current_task_ = nullptr;
  detail::TaskList tasks_;  // the unfinished tasks
  std::atomic<std::int64_t> virtual_now_{0};
  std::atomic<std::int32_t> external_pending_{0};
  std::atomic<std::int32_t> external_blocked_{0};  // of those, threads waiting for this loop
  detail::ExternalHolds external_holds_;
  std::atomic<bool> inbox_pending_{false};
  ExceptionHandler exception_handler_;
  LogHandler log_handler_;
  std::thread::id thread_id_;
  std::uint32_t id_;
  std::uint32_t since_poll_ = 0;
  std::int64_t coarse_slack_ns_;  // see next_timer_due(); -1: no coarse clock
  bool virtual_time_;
  bool debug_;
  bool running_ = false;
  bool stopping_ = false;
  bool closed_ = false;
  bool closing_ = false;
  std::string debug_last_step_;  // debug mode: what the last task step was, for warnings
  bool executor_shutdown_called_ = false;
  // Last: destroyed first, joining its workers while the rest of the loop (which their
  // results are posted to) still exists.
  std::shared_ptr<ThreadPoolExecutor> default_executor_;
};

/// Python: `asyncio.get_running_loop()`.
/// Throws: `RuntimeError("no running event loop")` outside a running loop.
EventLoop& get_running_loop();

/// Python: `asyncio.new_event_loop()`.
std::unique_ptr<EventLoop> new_event_loop(RunOptions options = {});

}  // namespace asyncio
