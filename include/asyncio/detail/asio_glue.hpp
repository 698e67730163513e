#pragma once
// Every use of Asio's insides, in one place. Not API.
//
// The library plugs into Asio's coroutines below their public API, for speed and for Python's
// `await` semantics: a suspended coroutine's `awaitable_thread` is parked in the library's own
// waiters and resumed straight from the loop's ready queue (a hop costs no allocation and no
// system call); a task launches its thread itself; and `awaitable_async_op` is specialized so
// that `co_await` accepts a named (lvalue) Task or Future and completes without suspending when
// the result is ready. These names are Asio's `detail`: each release may change them, so the
// tested range is checked here, once, instead of failing with a template error deep in Asio.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/version.hpp>

#include <new>
#include <utility>

// Boost.Asio 1.26 (Boost 1.81) to 1.36 (Boost 1.89): the releases the test command proves.
// ASYNCIO_ALLOW_UNTESTED_ASIO lets a user try another one at their own risk.
#define ASYNCIO_ASIO_TESTED_MIN 102600
#define ASYNCIO_ASIO_TESTED_MAX 103600
#if !defined(ASYNCIO_ALLOW_UNTESTED_ASIO)
static_assert(BOOST_ASIO_VERSION >= ASYNCIO_ASIO_TESTED_MIN &&
                  BOOST_ASIO_VERSION <= ASYNCIO_ASIO_TESTED_MAX,
              "asyncio-cpp relies on Boost.Asio internals and is tested with Asio 1.26 to 1.36 "
              "(Boost 1.81 to 1.89); this Asio is outside that range. Define "
              "ASYNCIO_ALLOW_UNTESTED_ASIO to try it anyway.");
#endif

namespace asyncio::detail {

/// What a task's bottom frame is: Asio's entry point of a "thread of execution".
using entry_point = boost::asio::awaitable<boost::asio::detail::awaitable_thread_entry_point,
                                           boost::asio::any_io_executor>;

/// The frame type `co_await` hands to an awaiter.
template <typename Executor>
using frame_base = boost::asio::detail::awaitable_frame_base<Executor>;

/// Starts `entry` as a new thread of execution on `ex`, cancellable through `slot`. Python:
/// a task's first `__step`.
inline void launch_thread(entry_point entry, const boost::asio::any_io_executor& ex,
                          boost::asio::cancellation_slot slot) {
  boost::asio::detail::awaitable_thread<boost::asio::any_io_executor> thread(
      std::move(entry), ex, slot, boost::asio::cancellation_state(slot));
  // Cancellation is delivered by the task, not by Asio's sticky "cancelled" state.
  thread.throw_if_cancelled(false);
  thread.launch();
}

/// A suspended Asio "thread of execution" (coroutine stack), resumed at the frame that
/// suspended it. Unlike Asio's own completion handlers it leaves the thread's cancellation
/// slot alone: asyncio waits never install a handler there, so there is nothing to clear
/// (and clearing touches the task's cancellation state, a cache miss per hop).
template <typename Executor>
class SuspendedThread : public boost::asio::detail::awaitable_thread<Executor> {
  using base = boost::asio::detail::awaitable_thread<Executor>;

 public:
  explicit SuspendedThread(base* t) noexcept : base(std::move(*t)) {}

  bool empty() const noexcept { return !this->bottom_of_stack_.valid(); }
  void resume(frame_base<Executor>* top) {
    top->attach_thread(this);
    this->pump();
  }
};

/// Raw storage for a SuspendedThread that is only destroyed when it still owns a stack.
/// A hop moves the stack pointer twice (into the waiter, back onto the C++ stack to pump
/// it); after the move the source is empty, and Asio's out-of-line destructor would only
/// find that out. Skipping it keeps the hop free of calls.
template <typename Executor>
class ThreadSlot {
  using thread_type = SuspendedThread<Executor>;

 public:
  ThreadSlot() noexcept {}
  ThreadSlot(const ThreadSlot&) = delete;
  ThreadSlot& operator=(const ThreadSlot&) = delete;
  ~ThreadSlot() { reset(); }

  /// Takes the stack of the thread that `frame` belongs to (detaching it from the frame).
  void take_from(frame_base<Executor>* frame) noexcept {
    ::new (static_cast<void*>(&thread_)) thread_type(frame->detach_thread());
    holds_ = true;
  }
  /// Takes the stack of `other`, which is left empty (and forgotten).
  void take_from(ThreadSlot& other) noexcept {
    ::new (static_cast<void*>(&thread_)) thread_type(&other.thread_);
    holds_ = true;
    other.holds_ = false;
  }
  thread_type* get() noexcept { return &thread_; }
  /// Drops the held thread; if it still owns a stack, Asio unwinds the stack through its
  /// executor. The thread is moved out first: unwinding may destroy the frame this slot
  /// lives in.
  void reset() noexcept {
    if (holds_) {
      holds_ = false;
      if (!thread_.empty()) thread_type doomed(&thread_);
    }
  }

 private:
  union {
    thread_type thread_;
  };
  bool holds_ = false;
};

/// The waiter type `co_await op` uses for an asyncio operation or handle `Op` (Operation,
/// Task, Future): each declares it with a specialization. See `awaitable_async_op` below.
template <typename Op>
struct waiter_of {};

template <typename W, typename Executor>
class AsioAwaiter;

}  // namespace asyncio::detail

namespace boost::asio::detail {

/// Asio wraps every async operation awaited in a coroutine in `awaitable_async_op`; for the
/// library's own operations that wrapper is the library's waiter.
template <typename Signature, typename Op, typename Executor>
requires requires {
  typename ::asyncio::detail::waiter_of<Op>::type;
}
class awaitable_async_op<Signature, Op, Executor>
    : public ::asyncio::detail::AsioAwaiter<typename ::asyncio::detail::waiter_of<Op>::type,
                                            Executor> {
 public:
  using ::asyncio::detail::AsioAwaiter<typename ::asyncio::detail::waiter_of<Op>::type,
                                       Executor>::AsioAwaiter;
};

}  // namespace boost::asio::detail
