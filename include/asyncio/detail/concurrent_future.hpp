#pragma once
// The thread-safe state behind `ConcurrentFuture`. Not API.

#include <asyncio/delay.hpp>
#include <asyncio/exceptions.hpp>

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio {
class EventLoop;
}  // namespace asyncio

namespace asyncio::detail {

void note_blocked_on(EventLoop& loop, int delta) noexcept;

/// Python: `concurrent.futures.Future`'s condition, state and callbacks, without the value.
class ConcurrentCore {
 public:
  enum class State : unsigned char { pending, running, cancelled, finished };

  ConcurrentCore() = default;
  ConcurrentCore(const ConcurrentCore&) = delete;
  ConcurrentCore& operator=(const ConcurrentCore&) = delete;

  State state() const;
  /// Python: `Future.cancel()`: false once running or finished.
  bool cancel();
  /// Python: `set_running_or_notify_cancel()`: false when cancelled (skip the work).
  /// Throws: `RuntimeError` unless pending.
  bool set_running_or_notify_cancel();
  /// Waits until done. Throws: `TimeoutError` when `timeout` passes first.
  void wait(std::optional<Delay> timeout);
  /// Runs `cb` once done: at once on this thread if done, else on the thread that finishes it.
  void add_callback(std::function<void()> cb);
  /// The loop whose task sets it (run_coroutine_threadsafe): a thread waiting for it waits
  /// for that loop, which virtual time must know (see `note_blocked_on`).
  void set_producer(EventLoop* loop) {
    std::lock_guard lock(mutex_);
    producer_ = loop;
  }

 protected:
  /// Stores the outcome with `store` (under the lock) and runs the callbacks.
  /// Throws: `InvalidStateError` when already cancelled or finished.
  template <typename Store>
  void finish(Store&& store) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mutex_);
      check_settable();
      store();
      unblock_waiters();
      state_ = State::finished;
      callbacks.swap(callbacks_);
    }
    done_.notify_all();
    run(callbacks);
  }
  void check_settable() const;      // under the lock
  void unblock_waiters() noexcept;  // under the lock
  static void run(std::vector<std::function<void()>>& callbacks) noexcept;

  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::vector<std::function<void()>> callbacks_;
  std::exception_ptr error_;
  EventLoop* producer_ = nullptr;  // cleared when done
  int blocked_ = 0;                // waiting threads counted as blocked on producer_
  State state_ = State::pending;
};

template <typename T>
class ConcurrentState final : public ConcurrentCore {
 public:
  template <typename... U>
  void set_result(U&&... u) {
    finish([&] {
      if constexpr (!std::is_void_v<T>) value_.emplace(std::forward<U>(u)...);
    });
  }
  void set_exception(std::exception_ptr e) {
    finish([&] { error_ = std::move(e); });
  }
  /// Python: `result(timeout)`: the value (a copy when T can be copied, else moved out
  /// once), or the exception rethrown; `CancelledError` when cancelled.
  T result(std::optional<Delay> timeout) {
    wait(timeout);
    std::lock_guard lock(mutex_);
    throw_if_failed();
    if constexpr (std::is_void_v<T>) {
      return;
    } else if constexpr (std::is_copy_constructible_v<T>) {
      return *value_;
    } else {
      return std::move(*value_);
    }
  }
  std::exception_ptr exception(std::optional<Delay> timeout);

 private:
  void throw_if_failed() const;  // under the lock
  std::optional<std::conditional_t<std::is_void_v<T>, char, T>> value_;
};

template <typename T>
std::exception_ptr ConcurrentState<T>::exception(std::optional<Delay> timeout) {
  wait(timeout);
  std::lock_guard lock(mutex_);
  if (state_ == State::cancelled) throw CancelledError();
  return error_;
}

template <typename T>
void ConcurrentState<T>::throw_if_failed() const {
  if (state_ == State::cancelled) throw CancelledError();
  if (error_) std::rethrow_exception(error_);
}

}  // namespace asyncio::detail
