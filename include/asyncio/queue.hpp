#pragma once
/// `Queue`, `PriorityQueue`, `LifoQueue`: queues between tasks. Python: `asyncio.Queue`.

#include <asyncio/detail/queue.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/operation.hpp>

#include <cstddef>
#include <functional>
#include <ostream>

namespace asyncio {

/// A queue between tasks, in the order `Store` gives. `Queue`, `LifoQueue` and
/// `PriorityQueue` are this with a FIFO, LIFO or heap store.
///
/// Cancellation: a cancelled `get()` loses no item and a cancelled `put()` adds none; a
/// waiter cancelled after being woken passes the wake-up on.
/// Threads: the loop's thread only. Move-only element types work.
template <typename T, typename Store>
class BasicQueue : public detail::QueueCore {
 public:
  using value_type = T;

  /// Python: `Queue(maxsize=0)`; `maxsize <= 0` means unbounded.
  explicit BasicQueue(long maxsize = 0) : QueueCore(maxsize) {}

  /// Python: `await queue.put(item)`: waits while the queue is full.
  /// Throws: `QueueShutDown` once the queue is shut down.
  [[nodiscard]] auto put(T item) {
    return Operation<detail::QueuePutWaiter<BasicQueue>>({this, std::move(item)});
  }
  /// Python: `await queue.get()`: waits while the queue is empty.
  /// Throws: `QueueShutDown` once shut down and empty (immediately, if shut down with
  /// `immediate`).
  [[nodiscard]] auto get() noexcept {
    return Operation<detail::QueueGetWaiter<BasicQueue>>({this});
  }
  /// Python: `queue.put_nowait(item)`. Throws: `QueueFull`, `QueueShutDown`.
  void put_nowait(T item) {
    check_thread();
    put_here(std::move(item));
  }
  /// Python: `queue.get_nowait()`. Throws: `QueueEmpty`, or `QueueShutDown` when shut down
  /// and empty.
  T get_nowait() {
    check_thread();
    return get_here();
  }

  /// Python: `queue.task_done()`. Throws: `ValueError("task_done() called too many times")`.
  using QueueCore::task_done;
  /// Python: `await queue.join()`: until every item put has been marked done.
  using QueueCore::join;
  /// Python: `queue.maxsize` (<= 0: unbounded).
  using QueueCore::maxsize;
  /// Whether `shutdown()` was called.
  using QueueCore::is_shutdown;

  std::size_t qsize() const noexcept { return store_.items.size(); }
  bool empty() const noexcept { return store_.items.empty(); }
  bool full() const noexcept {
    return maxsize_ > 0 && qsize() >= static_cast<std::size_t>(maxsize_);
  }

  /// Python 3.13: `queue.shutdown(immediate=False)`: `put` raises `QueueShutDown` from now
  /// on, blocked callers are woken; with `immediate`, the items are dropped (each counted as
  /// done for `join`) and `get` raises too.
  void shutdown(bool immediate = false) {
    check_thread();
    shutdown_ = true;
    if (immediate) {
      while (!empty()) {
        store_.pop();
        if (unfinished_ > 0) --unfinished_;
      }
      if (unfinished_ == 0) finished_.set();
    }
    shutdown_waiters();
  }

  void wake_next_getter() noexcept { wakeup_next(getters_); }
  void wake_next_putter() noexcept { wakeup_next(putters_); }

  /// Python's `str(queue)` (its repr without the address): `<Queue maxsize=1 _queue=[1]
  /// tasks=1>`; a PriorityQueue lists its items in heap order, as heapq keeps them.
  friend std::ostream& operator<<(std::ostream& os, const BasicQueue& q) {
    os << '<' << Store::name << " maxsize=" << q.maxsize_;
    if (!q.empty()) detail::describe_items<T>(os, q.store_.items);
    q.describe(os, Store::name);
    return os;
  }

 private:
  // put_nowait and get_nowait without the thread check: what `put` and `get` do in a task
  // of the loop.
  template <typename Q>
  friend struct detail::QueuePutWaiter;
  template <typename Q>
  friend struct detail::QueueGetWaiter;
  void put_here(T item) {
    if (shutdown_) throw QueueShutDown();
    if (full()) throw QueueFull();
    store_.push(std::move(item));
    after_put();
  }
  T get_here() {
    if (empty()) {
      if (shutdown_) throw QueueShutDown();
      throw QueueEmpty();
    }
    T v = store_.pop();
    after_get();
    return v;
  }

  Store store_;
};

/// First in, first out. Python: `asyncio.Queue`.
template <typename T>
class Queue : public BasicQueue<T, detail::FifoStore<T>> {
 public:
  using BasicQueue<T, detail::FifoStore<T>>::BasicQueue;
};

/// Last in, first out. Python: `asyncio.LifoQueue`.
template <typename T>
class LifoQueue : public BasicQueue<T, detail::LifoStore<T>> {
 public:
  using BasicQueue<T, detail::LifoStore<T>>::BasicQueue;
};

/// Smallest first, by `Compare` (as `heapq`). Python: `asyncio.PriorityQueue`.
template <typename T, typename Compare = std::less<T>>
class PriorityQueue : public BasicQueue<T, detail::PriorityStore<T, Compare>> {
 public:
  using BasicQueue<T, detail::PriorityStore<T, Compare>>::BasicQueue;
};

}  // namespace asyncio
