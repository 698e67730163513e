#pragma once
// The waiters and stores behind `Queue`, `LifoQueue` and `PriorityQueue`. Not API.

#include <asyncio/detail/describe_value.hpp>
#include <asyncio/detail/primitive_waiter.hpp>
#include <asyncio/event.hpp>
#include <asyncio/exceptions.hpp>

#include <algorithm>
#include <cstddef>
#include <new>
#include <ostream>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio::detail {

/// The type-independent half of a queue: waiters, unfinished-task count, shutdown.
class QueueCore {
 public:
  explicit QueueCore(long maxsize) noexcept : maxsize_(maxsize) { finished_.set(); }
  QueueCore(const QueueCore&) = delete;
  QueueCore& operator=(const QueueCore&) = delete;

  /// Python: `queue.maxsize` (<= 0: unbounded).
  long maxsize() const noexcept { return maxsize_; }
  /// Python: `queue.task_done()`. Throws: `ValueError("task_done() called too many times")`.
  void task_done();
  /// Python: `await queue.join()`: until every item put has been marked done.
  [[nodiscard]] auto join() noexcept { return finished_.wait(); }
  bool is_shutdown() const noexcept { return shutdown_; }

  WaitList getters_;
  WaitList putters_;

 protected:
  /// Debug mode: `RuntimeError` when called from another thread than that of the loop whose
  /// tasks wait on the queue (to get, to put, or in `join`).
  void check_thread() const {
    asyncio::detail::check_thread([this] {
      for (const WaitList* l : {&getters_, &putters_, &woken_, &finished_.waiters_}) {
        if (EventLoop* loop = waiters_loop(*l)) return loop;
      }
      return static_cast<EventLoop*>(nullptr);
    });
  }
  /// Python: `_wakeup_next(waiters)`: wake the first waiter that is still waiting; the ones
  /// before it (cancelled) are dropped from the list.
  void wakeup_next(WaitList& waiters) noexcept {
    while (Waiter* w = waiters.pop_front()) {
      auto* p = static_cast<PrimitiveWaiter*>(w);
      if (p->pending()) {
        hand_off(p);
        return;
      }
    }
  }
  /// Wakes `p`, taken off its list as Python's deque.popleft() does, but kept in `woken_`
  /// until it runs: if the queue is destroyed first, that list detaches it.
  void hand_off(PrimitiveWaiter* p) noexcept {
    woken_.push_back(p);
    p->wake();
  }
  void after_put() noexcept {
    ++unfinished_;
    finished_.value_ = false;  // finished_.clear(), without its thread check
    wakeup_next(getters_);
  }
  void after_get() noexcept { wakeup_next(putters_); }
  void shutdown_waiters() noexcept;
  void describe(std::ostream& os, const char* name) const;

  long maxsize_;
  std::size_t unfinished_ = 0;
  WaitList woken_;  // getters and putters woken but not yet run
  Event finished_;
  bool shutdown_ = false;
};

template <typename Q>
struct QueueGetWaiter : PrimitiveWaiter {
  struct params {
    Q* q;
  };
  using result_type = typename Q::value_type;
  explicit QueueGetWaiter(const params& p) noexcept : q(p.q) {
    describe_wait = &describe_primitive<QueueGetWaiter, &QueueGetWaiter::q>;
  }

  bool ready() const {
    if (!q->empty()) return true;
    if (q->is_shutdown()) throw QueueShutDown();
    return false;
  }
  void suspend(EventLoop& loop, TaskCore* task) noexcept { enqueue(q->getters_, loop, task); }
  /// Woken, but the item went to someone else first: wait again (Python's while loop).
  bool rewait() noexcept {
    if (PrimitiveWaiter::rewait()) return true;  // detached: q is gone
    if (!q->empty() || q->is_shutdown()) return false;
    requeue(q->getters_);
    return true;
  }
  result_type resume() {
    if (cancelled) [[unlikely]]
      resume_cancelled();
    leave();
    return q->get_here();
  }
  [[noreturn]] void resume_cancelled() {
    const bool was_woken = woken();
    leave();
    // Woken by put_nowait() but cancelled before taking the item: pass it on.
    if (was_woken && !q->empty()) q->wake_next_getter();
    throw cancelled_error();
  }
  Q* q;
};

template <typename Q>
struct QueuePutWaiter : PrimitiveWaiter {
  struct params {
    Q* q;
    typename Q::value_type item;
  };
  using result_type = void;
  explicit QueuePutWaiter(params&& p) noexcept(std::is_nothrow_move_constructible_v<params>)
      : q(p.q), item(std::move(p.item)) {
    describe_wait = &describe_primitive<QueuePutWaiter, &QueuePutWaiter::q>;
  }
  explicit QueuePutWaiter(const params& p) : q(p.q), item(p.item) {
    describe_wait = &describe_primitive<QueuePutWaiter, &QueuePutWaiter::q>;
  }

  bool ready() const {
    if (!q->full()) return true;
    if (q->is_shutdown()) throw QueueShutDown();
    return false;
  }
  void suspend(EventLoop& loop, TaskCore* task) noexcept { enqueue(q->putters_, loop, task); }
  bool rewait() noexcept {
    if (PrimitiveWaiter::rewait()) return true;  // detached: q is gone
    if (!q->full() || q->is_shutdown()) return false;
    requeue(q->putters_);
    return true;
  }
  void resume() {
    if (cancelled) [[unlikely]]
      resume_cancelled();
    leave();
    q->put_here(std::move(item));
  }
  [[noreturn]] void resume_cancelled() {
    const bool was_woken = woken();
    leave();
    if (was_woken && !q->full()) q->wake_next_putter();
    throw cancelled_error();
  }
  Q* q;
  typename Q::value_type item;
};

template <typename T, typename C>
void describe_items(std::ostream& os, const C& items) {
  if constexpr (requires(const T& v) { os << v; }) {
    os << " _queue=[";
    bool first = true;
    auto one = [&](const T& v) {
      if (!first) os << ", ";
      first = false;
      describe_value(os, v);
    };
    if constexpr (requires { items.for_each(one); }) {
      items.for_each(one);
    } else {
      for (const auto& v : items) one(v);
    }
    os << ']';
  } else {
    os << " _queue=[" << items.size() << " items]";
  }
}

/// A growable ring buffer: a FIFO that, unlike std::deque, allocates nothing while its
/// size stays within what it has held before (a bounded queue never allocates).
template <typename T>
class Ring {
 public:
  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    while (size_) pop_front();
    if (slots_) ::operator delete (slots_, std::align_val_t{alignof(T)});
  }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  void push_back(T&& v) {
    if (size_ == capacity_) grow();
    new (&slots_[(head_ + size_) & (capacity_ - 1)]) T(std::move(v));
    ++size_;
  }
  T pop_front() {
    T* slot = &slots_[head_];
    T v = std::move(*slot);
    slot->~T();
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
    return v;
  }
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < size_; ++i) f(slots_[(head_ + i) & (capacity_ - 1)]);
  }

 private:
  void grow() {
    const std::size_t cap = capacity_ ? capacity_ * 2 : 4;
    T* fresh = static_cast<T*>(::operator new (cap * sizeof(T), std::align_val_t{alignof(T)}));
    for (std::size_t i = 0; i < size_; ++i) {
      T* from = &slots_[(head_ + i) & (capacity_ - 1)];
      new (&fresh[i]) T(std::move(*from));
      from->~T();
    }
    if (slots_) ::operator delete (slots_, std::align_val_t{alignof(T)});
    slots_ = fresh;
    capacity_ = cap;
    head_ = 0;
  }
  T* slots_ = nullptr;
  std::size_t capacity_ = 0;  // a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

/// Python: `Queue._put` / `_get` on a deque (first in, first out).
template <typename T>
struct FifoStore {
  static constexpr const char* name = "Queue";
  Ring<T> items;
  void push(T&& v) { items.push_back(std::move(v)); }
  T pop() { return items.pop_front(); }
};

/// Python: `LifoQueue._put` / `_get` (last in, first out).
template <typename T>
struct LifoStore {
  static constexpr const char* name = "LifoQueue";
  std::vector<T> items;
  void push(T&& v) { items.push_back(std::move(v)); }
  T pop() {
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
};

/// Python: `PriorityQueue._put` / `_get` (heapq: the smallest by `Compare` first).
template <typename T, typename Compare>
struct PriorityStore {
  static constexpr const char* name = "PriorityQueue";
  std::vector<T> items;
  Compare comp;
  // std's heap functions keep the largest on top: invert the order.
  bool after(const T& a, const T& b) const { return comp(b, a); }
  void push(T&& v) {
    items.push_back(std::move(v));
    std::push_heap(items.begin(), items.end(),
                   [this](const T& a, const T& b) { return after(a, b); });
  }
  T pop() {
    std::pop_heap(items.begin(), items.end(),
                  [this](const T& a, const T& b) { return after(a, b); });
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
};

}  // namespace asyncio::detail
