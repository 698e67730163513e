#include <asyncio/timeout.hpp>

#include <asyncio/detail/task_core.hpp>

#include <charconv>
#include <cmath>
#include <ostream>

namespace asyncio {

namespace {
const char* state_name(Timeout::State s) {
  switch (s) {
    case Timeout::State::created:
      return "created";
    case Timeout::State::active:
      return "active";
    case Timeout::State::expiring:
      return "expiring";
    case Timeout::State::expired:
      return "expired";
    case Timeout::State::finished:
      return "finished";
  }
  return "?";
}
}  // namespace

Timeout::Timeout(std::optional<double> when) {
  if (when) when_ns_ = detail::delay_to_ns(*when);
}

std::optional<double> Timeout::when() const noexcept {
  if (!when_ns_) return std::nullopt;
  return static_cast<double>(*when_ns_) / detail::kNanosecondsPerSecond;
}

void Timeout::enter() {
  if (state_ != State::created) throw RuntimeError("Timeout has already been entered");
  AnyTask task = current_task();
  if (!task) throw RuntimeError("Timeout should be used inside a task");
  state_ = State::active;
  task_ = std::move(task);
  cancelling_ = task_.cancelling();
  schedule();
}

void Timeout::reschedule(std::optional<double> when) {
  if (state_ != State::active) {
    if (state_ == State::created) throw RuntimeError("Timeout has not been entered");
    throw RuntimeError(std::string("Cannot change state of ") + state_name(state_) + " Timeout");
  }
  when_ns_.reset();
  if (when) when_ns_ = detail::delay_to_ns(*when);
  schedule();
}

void Timeout::schedule() {
  timer_.cancel();
  timer_ = Handle();
  if (!when_ns_) return;
  EventLoop& loop = get_running_loop();
  if (*when_ns_ <= loop.now().time_since_epoch().count()) {
    // Python: call_soon, so that the expiry comes before the task's next wake-up.
    timer_ = loop.call_soon([this] { on_timeout(); });
  } else {
    timer_ = loop.call_at(EventLoop::time_point(EventLoop::duration(*when_ns_)),
                          [this] { on_timeout(); });
  }
}

void Timeout::on_timeout() {
  task_.cancel();
  state_ = State::expiring;
  timer_ = Handle();
}

void Timeout::exit(const std::exception_ptr& error) {
  timer_.cancel();
  timer_ = Handle();
  if (state_ == State::expiring) {
    state_ = State::expired;
    // Our own cancellation (no newer request): it becomes TimeoutError.
    // An Asio operation the task awaited shows the cancellation as operation_aborted.
    if (task_.uncancel() <= cancelling_ &&
        (holds<CancelledError>(error) || detail::is_operation_aborted(error))) {
      throw TimeoutError();
    }
  } else if (state_ == State::active) {
    state_ = State::finished;
  }
}

std::ostream& operator<<(std::ostream& os, const Timeout& t) {
  os << "<Timeout [" << state_name(t.state_) << ']';
  if (t.state_ == Timeout::State::active) {
    os << " when=";
    if (t.when_ns_) {
      // Python rounds to milliseconds: round(self._when, 3).
      constexpr std::int64_t kNanosecondsPerMillisecond = 1'000'000;
      const double ms = std::round(static_cast<double>(*t.when_ns_) / kNanosecondsPerMillisecond);
      os << detail::python_float(ms / 1000);
    } else {
      os << "None";
    }
  }
  return os << '>';
}

namespace detail {

std::string python_float(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, ec == std::errc() ? end : buf);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

std::int64_t running_loop_now_ns() {
  return require_running_loop().now().time_since_epoch().count();
}

awaitable<void> cancel_and_wait(FutureCore* core) {
  Ref<FutureCore> keep(core);
  Future<void> waiter;
  auto release = [waiter]() mutable {
    if (!waiter.done()) waiter.set_result();
  };
  std::uint64_t id =
      core->add_callback_node(new DoneCallback<decltype(release)>(std::move(release), core));
  try {
    core->cancel();
    co_await waiter;
  } catch (...) {
    core->remove_done_callback(id);
    throw;
  }
  core->remove_done_callback(id);
}

}  // namespace detail

}  // namespace asyncio
