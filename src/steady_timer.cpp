#include <asyncio/steady_timer.hpp>

#include <asyncio/detail/loop_internals.hpp>
#include <asyncio/exceptions.hpp>

#include <boost/asio/error.hpp>

#include <utility>

namespace asyncio {

namespace {

EventLoop& loop_of(const boost::asio::any_io_executor& ex) {
  if (const auto* loop_ex = ex.target<EventLoop::executor_type>()) return loop_ex->loop();
  throw ValueError("asyncio::steady_timer: the executor is not an asyncio event loop's");
}

}  // namespace

steady_timer::steady_timer(EventLoop& loop, Delay after)
    : loop_(&loop), expiry_(deadline_after(after)) {}

steady_timer::steady_timer(const boost::asio::any_io_executor& ex) : steady_timer(loop_of(ex)) {}
steady_timer::steady_timer(const boost::asio::any_io_executor& ex, time_point expiry)
    : steady_timer(loop_of(ex), expiry) {}
steady_timer::steady_timer(const boost::asio::any_io_executor& ex, Delay after)
    : steady_timer(loop_of(ex), after) {}

steady_timer::steady_timer(steady_timer&& other) noexcept
    : loop_(other.loop_), expiry_(std::exchange(other.expiry_, time_point())) {
  waits_.splice(waits_.end(), other.waits_);
}

steady_timer& steady_timer::operator=(steady_timer&& other) {
  if (this == &other) return *this;
  cancel();
  waits_.clear();  // waits already due complete anyway; they just leave this list
  loop_ = other.loop_;
  expiry_ = std::exchange(other.expiry_, time_point());
  waits_.splice(waits_.end(), other.waits_);
  return *this;
}

steady_timer::time_point steady_timer::deadline_after(Delay after) const noexcept {
  return time_point(
      duration(detail::deadline_after(loop_->now().time_since_epoch().count(), after.count())));
}

std::size_t steady_timer::expires_at(time_point expiry) {
  const std::size_t cancelled = cancel();
  expiry_ = expiry;
  return cancelled;
}

std::size_t steady_timer::cancel() {
  // Aborting posts handlers; an executor may run one inline (a closing loop's does), and
  // it may use or destroy this timer: take the waits out first.
  detail::TimerWaitList pending;
  for (auto it = waits_.begin(); it != waits_.end();) {
    detail::TimerWait& w = *it++;
    if (w.scheduled()) {
      w.unlink();
      pending.push_back(w);
    }
  }
  std::size_t n = 0;
  while (!pending.empty()) {
    detail::TimerWait& w = pending.front();
    pending.pop_front();
    w.abort();
    ++n;
  }
  return n;
}

std::size_t steady_timer::cancel_one() {
  for (detail::TimerWait& w : waits_) {
    if (w.scheduled()) {
      w.abort();
      return 1;
    }
  }
  return 0;
}

namespace detail {

void TimerWait::start(std::int64_t when) {
  LoopInternals::add_timer(*loop_, this, when);
}

void TimerWait::abort() {
  LoopInternals::cancel_timer(*loop_, this);
  if (is_linked()) unlink();
  finish_(this, Outcome::aborted);
}

void TimerWait::abort_from_slot() {
  slot_released_ = true;
  if (scheduled()) {
    abort();
  } else {
    aborted_ = true;  // due: its completion is queued and will say so
  }
}

void TimerWait::due(ReadyNode* n, ReadyNode::Action a) {
  auto* self = static_cast<TimerWait*>(n);
  if (self->is_linked()) self->unlink();
  if (a == ReadyNode::Action::discard) {
    self->finish_(self, Outcome::discarded);
  } else {
    self->finish_(self, self->aborted_ ? Outcome::aborted : Outcome::fired);
  }
}

const boost::system::error_code& TimerWait::operation_aborted() noexcept {
  static const boost::system::error_code code = boost::asio::error::operation_aborted;
  return code;
}

}  // namespace detail

}  // namespace asyncio
