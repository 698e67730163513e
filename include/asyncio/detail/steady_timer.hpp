#pragma once
// The waits behind `steady_timer`. Not API.

#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/pool.hpp>
#include <asyncio/detail/ready_queue.hpp>
#include <asyncio/event_loop.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/intrusive/list.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>
#include <utility>

namespace asyncio::detail {

/// One pending `async_wait`: a deadline in the loop's timer heap (as `sleep`'s), linked in
/// its timer's list. It knows its loop, not its timer: a timer can move, or be destroyed,
/// while a completed wait is still queued.
///
/// Life cycle: `scheduled()` (in the heap) -> due (popped into the ready queue, still
/// linked) -> completed; or scheduled -> aborted (out of the heap and the list at once).
/// At loop teardown the loop discards it from the heap or the ready queue: the handler is
/// destroyed without being called, as Asio's io_context destroys its pending handlers.
class TimerWait : public TimerNode,
                  public boost::intrusive::list_base_hook<
                      boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
 public:
  TimerWait(const TimerWait&) = delete;
  TimerWait& operator=(const TimerWait&) = delete;

  /// Puts the wait in the loop's timer heap at `when` (loop clock, nanoseconds).
  void start(std::int64_t when);
  /// `timer.cancel()` and friends: out of the heap and the list; the handler is posted with
  /// `operation_aborted`. Precondition: `scheduled()`.
  void abort();
  /// The handler's cancellation slot fired. A due wait (its completion queued, the handler
  /// not yet called) completes with `operation_aborted` too: the cancel of a task is not
  /// lost in the window between a timer's expiry and its handler.
  void abort_from_slot();

 protected:
  enum class Outcome : std::uint8_t { fired, aborted, discarded };
  /// Completes the wait (moving the handler out and freeing `this`); for `aborted` through
  /// `post`, for `fired` through `dispatch`, for `discarded` not at all.
  using Finish = void (*)(TimerWait*, Outcome);

  TimerWait(EventLoop& loop, Finish finish) noexcept : loop_(&loop), finish_(finish) { fn = &due; }
  ~TimerWait() = default;

  static const boost::system::error_code& operation_aborted() noexcept;

  EventLoop* loop_;
  Finish finish_;
  bool slot_released_ = false;  // the slot handler let go of this wait: do not clear the slot
  bool aborted_ = false;        // cancelled through the slot while due

 private:
  static void due(ReadyNode* n, ReadyNode::Action a);
};

using TimerWaitList =
    boost::intrusive::list<TimerWait, boost::intrusive::constant_time_size<false>>;

/// What a wait installs in its handler's cancellation slot. It lets go of the wait when it
/// fires; a wait that completes otherwise clears the slot.
struct TimerWaitCancellation {
  TimerWait* wait;
  void operator()(boost::asio::cancellation_type type) {
    using boost::asio::cancellation_type;
    constexpr auto kinds =
        cancellation_type::terminal | cancellation_type::partial | cancellation_type::total;
    if (wait && (type & kinds) != cancellation_type::none)
      std::exchange(wait, nullptr)->abort_from_slot();
  }
};

/// A wait holding its completion handler.
template <typename Handler>
class TimerWaitOp final : public TimerWait, public Pooled {
 public:
  /// Starts a wait for `h` until `when`: the handler runs on a later loop iteration at the
  /// earliest, never inside this call.
  static void launch(EventLoop& loop, TimerWaitList& list, std::int64_t when, Handler h) {
    std::unique_ptr<TimerWaitOp> owner(new TimerWaitOp(loop, std::move(h)));
    owner->start(when);  // may throw (bad_alloc): then nothing is left behind
    TimerWaitOp* op = owner.release();
    list.push_back(*op);
    auto slot = boost::asio::get_associated_cancellation_slot(op->handler_);
    if (slot.is_connected()) {
      op->slot_ = slot;
      slot.template emplace<TimerWaitCancellation>(TimerWaitCancellation{op});
    }
  }

 private:
  using Slot = boost::asio::associated_cancellation_slot_t<Handler>;

  TimerWaitOp(EventLoop& loop, Handler h) : TimerWait(loop, &finish), handler_(std::move(h)) {}

  static void finish(TimerWait* base, Outcome outcome) {
    auto* self = static_cast<TimerWaitOp*>(base);
    if (!self->slot_released_ && self->slot_.is_connected()) self->slot_.clear();
    Handler h(std::move(self->handler_));
    EventLoop& loop = *self->loop_;
    delete self;
    if (outcome == Outcome::discarded) return;  // `h` dies here, and whatever it holds
    // Fallback: the loop's executor (Asio's would be the timer's, which is the loop's).
    auto ex = boost::asio::get_associated_executor(h, loop.get_executor());
    if (outcome == Outcome::fired) {
      boost::asio::dispatch(
          ex, [h = std::move(h)]() mutable { std::move(h)(boost::system::error_code()); });
    } else {
      boost::asio::post(ex, [h = std::move(h)]() mutable { std::move(h)(operation_aborted()); });
    }
  }

  Handler handler_;
  Slot slot_;
};

}  // namespace asyncio::detail
