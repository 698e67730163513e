#pragma once
/// `run` and `Runner`: the entry points of an asyncio program. Python: `asyncio.run`,
/// `asyncio.Runner`.

#include <asyncio/awaitable.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/task.hpp>

#include <memory>
#include <utility>

namespace asyncio {

/// Runs coroutines on one event loop that it creates and closes. Python: `asyncio.Runner`.
///
/// Each `run(coro)` wraps `coro` in a task and runs the loop until it is done; `close()`
/// (also called by the destructor) cancels and awaits the tasks still pending, then closes
/// the loop.
class Runner {
 public:
  explicit Runner(RunOptions options = {}) : options_(options) {}
  ~Runner() {
    try {
      close();
    } catch (...) {
    }
  }
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Python: `Runner.run(coro)`: main's value, or its exception rethrown.
  /// Throws: `RuntimeError` inside a running loop or after `close()`.
  template <typename T>
  T run(awaitable<T> coro) {
    prepare_run();
    return loop_->run_until_complete(loop_->create_task(std::move(coro)));
  }

  /// Python: `Runner.get_loop()` (creates the loop on first use).
  EventLoop& get_loop();
  /// Python: `Runner.close()`: cancel the remaining tasks, wait for them, close the loop.
  void close();

 private:
  void prepare_run();
  RunOptions options_;
  std::unique_ptr<EventLoop> loop_;
  bool closed_ = false;
};

/// Runs `main` on a new event loop and returns its value (or rethrows its exception).
/// Python: `asyncio.run(main(), debug=...)`.
///
/// On return, the tasks still pending are cancelled and awaited, as Python does; an
/// exception one of them raises then goes to the loop's exception handler.
/// Throws: `RuntimeError("asyncio.run() cannot be called from a running event loop")`.
template <typename T>
T run(awaitable<T> main, RunOptions options = {}) {
  if (detail::running_loop) {
    throw RuntimeError("asyncio.run() cannot be called from a running event loop");
  }
  Runner runner(options);
  return runner.run(std::move(main));
}

}  // namespace asyncio
