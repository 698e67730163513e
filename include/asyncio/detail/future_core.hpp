#pragma once
// The type-independent half of Future and Task: state, result, done-callbacks and the
// reference that handles hold. Not API.

#include <asyncio/detail/describe_value.hpp>
#include <asyncio/detail/loop_internals.hpp>
#include <asyncio/detail/pool.hpp>
#include <asyncio/detail/wait_list.hpp>
#include <asyncio/event_loop.hpp>

#include <boost/smart_ptr/intrusive_ptr.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

struct CallbackWaiter;

/// The state of a Future or Task, without its value. Python: `asyncio.Future`'s fields.
/// Reference counted (not atomically: handles belong to the loop's thread).
class FutureCore : public Pooled {
 public:
  enum class State : std::uint8_t { pending, cancelled, finished };

  explicit FutureCore(EventLoop& loop) noexcept;
  FutureCore(const FutureCore&) = delete;
  FutureCore& operator=(const FutureCore&) = delete;
  virtual ~FutureCore();

  void add_ref() noexcept { ++refs_; }
  void release() noexcept {
    if (--refs_ == 0) delete this;
  }

  State state() const noexcept { return state_; }
  bool done() const noexcept { return state_ != State::pending; }
  bool cancelled() const noexcept { return state_ == State::cancelled; }
  EventLoop* loop() const noexcept {
    if (loop_ == running_loop && loop_id_ == LoopInternals::id(*loop_)) return loop_;
    return live_loop(loop_, loop_id_);
  }
  EventLoop* loop_unchecked() const noexcept { return loop_; }
  /// Debug mode: `RuntimeError` when called from another thread than its running loop's.
  /// What every loop-only operation (set_result, set_exception, cancel, add_done_callback)
  /// calls first.
  void check_thread() const {
    asyncio::detail::check_thread([this] { return loop(); });
  }

  /// Python: `Future.cancel(msg)`; a Task overrides it with `Task.cancel`.
  virtual bool cancel(std::string msg = {});
  /// Python: `Future.set_exception(e)`. Throws: `InvalidStateError` when done.
  void set_exception(std::exception_ptr e);
  /// Python: `Future.exception()`. Throws: `CancelledError`, or `InvalidStateError` when pending.
  std::exception_ptr exception();
  /// Python: the checks of `Future.result()`: throws `CancelledError` when cancelled,
  /// `InvalidStateError` when pending, and rethrows a set exception.
  void check_result() {
    if (state_ == State::finished && !exception_) {
      log_traceback_ = false;
      return;
    }
    check_result_slow();
  }
  /// The CancelledError of a cancelled future, carrying its message.
  CancelledError make_cancelled_error() const;
  /// The stored exception (a CancelledError when cancelled), without the checks of
  /// `exception()`; marks it retrieved. Null when the future has a result.
  std::exception_ptr take_exception() noexcept {
    log_traceback_ = false;
    return exception_;
  }

  void add_waiter(Waiter* w) noexcept { callbacks_.push_back(w); }
  void remove_waiter(Waiter* w) noexcept { callbacks_.remove(w); }
  /// Python: `add_done_callback`: links `node` (owned by this future from now on) and
  /// schedules it at once when already done. Returns the id `remove_done_callback` takes.
  std::uint64_t add_callback_node(CallbackWaiter* node);
  /// Python: `remove_done_callback`: the number of callbacks removed.
  std::size_t remove_done_callback(std::uint64_t id) noexcept;

  /// Python's repr: `<Future pending>`, `<Task finished name='Task-1' result=...>`.
  virtual void describe(std::ostream& os) const;
  std::string repr() const;

 protected:
  /// Marks the future done and schedules every callback, in the order they were added.
  void mark_done(State s) noexcept;
  void ensure_pending() const;                   // InvalidStateError naming the state when done
  bool cancel_future(std::string msg) noexcept;  // Python: Future.cancel (super().cancel)
  void set_exception_unchecked(std::exception_ptr e) noexcept;
  void check_result_slow();
  /// Forgets every callback (the future can never complete): breaks reference cycles
  /// through callbacks when the loop is torn down.
  void drop_callbacks() noexcept;
  virtual void describe_result(std::ostream&) const {}
  virtual const char* kind() const noexcept { return "Future"; }

  EventLoop* loop_;
  WaitList callbacks_;
  std::exception_ptr exception_;  // the set exception, or the CancelledError when cancelled
  std::uint32_t refs_ = 1;
  std::uint32_t loop_id_;
  State state_ = State::pending;
  bool log_traceback_ = false;  // an exception nobody retrieved yet
};

/// Boost.intrusive_ptr's hooks for FutureCore (and derived) states.
inline void intrusive_ptr_add_ref(FutureCore* p) noexcept {
  p->add_ref();
}
inline void intrusive_ptr_release(FutureCore* p) noexcept {
  p->release();
}

/// Holds a reference to a FutureCore (or derived) state: `Ref<S>(p)` shares (adds a
/// reference), `Ref<S>(p, false)` adopts one the caller already holds. A
/// `boost::intrusive_ptr` whose copy is declared noexcept (adding a reference can't throw),
/// so that Future and Task stay nothrow-copyable handles.
template <typename S>
class Ref : public boost::intrusive_ptr<S> {
 public:
  using boost::intrusive_ptr<S>::intrusive_ptr;
  Ref() noexcept = default;
  Ref(const Ref&) noexcept = default;
  Ref(Ref&&) noexcept = default;
  Ref& operator=(const Ref&) noexcept = default;
  Ref& operator=(Ref&&) noexcept = default;
};

/// The library's access to the state behind a handle (`Future`, `Task`, `AnyTask`), which
/// the handles keep private.
struct HandleAccess {
  template <typename H>
  static auto* state(const H& h) noexcept {
    return h.state();
  }
  /// The FutureCore of a Future, the TaskCore of a task.
  template <typename H>
  static auto* core(const H& h) noexcept {
    return h.core();
  }
  /// A handle adopting `s`, a state made by the library.
  template <typename H, typename S>
  static H adopt(Ref<S> s) noexcept {
    return H(std::move(s));
  }
};

/// Storage for a result: `std::optional<T>`, and nothing for void.
template <typename T>
struct ResultSlot {
  std::optional<T> value;
  template <typename U>
  void set(U&& u) {
    value.emplace(std::forward<U>(u));
  }
  /// What `co_await` and `result()` give: a copy when T can be copied (a future may be
  /// awaited many times), else the value itself, moved out once.
  T get() {
    if constexpr (std::is_copy_constructible_v<T>) {
      return *value;
    } else {
      return std::move(*value);
    }
  }
  /// The repr's `result=...`.
  void describe(std::ostream& os) const {
    os << "result=";
    describe_value(os, *value);
  }
};
template <>
struct ResultSlot<void> {
  void get() const noexcept {}
  void describe(std::ostream& os) const { os << "result=None"; }
};

void report_callback_exception(FutureCore* owner, std::exception_ptr e) noexcept;

/// A done-callback added with `add_done_callback`. While listed it is owned by the
/// future; once scheduled it holds a reference to it.
struct CallbackWaiter : Waiter {
  explicit CallbackWaiter(FutureCore* o) noexcept : owner(o) { is_callback = true; }
  virtual ~CallbackWaiter() = default;
  FutureCore* owner;
  std::uint64_t id = 0;
};

template <typename F>
struct DoneCallback final : CallbackWaiter, Pooled {
  DoneCallback(F&& fn, FutureCore* o) : CallbackWaiter(o), f(std::move(fn)) { this->fn = &run; }
  static void run(ReadyNode* n, ReadyNode::Action a) {
    auto* self = static_cast<DoneCallback*>(n);
    // Adopts the reference taken when it was scheduled.
    Ref<FutureCore> keep(self->holds_ref ? self->owner : nullptr, false);
    if (a == ReadyNode::Action::run) {
      try {
        self->f();
      } catch (...) {
        report_callback_exception(self->owner, std::current_exception());
      }
    }
    delete self;
  }
  F f;
};

}  // namespace asyncio::detail
