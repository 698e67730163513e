#include <asyncio/timeout.hpp>

#include <charconv>
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

void Timeout::enter() {
  if (state_ != State::created) throw RuntimeError("Timeout has already been entered");
  AnyTask task = current_task();
  if (!task) throw RuntimeError("Timeout should be used inside a task");
  state_ = State::active;
  task_ = std::move(task);
  cancelling_ = task_.cancelling();
  reschedule(when_);
}

void Timeout::reschedule(std::optional<double> when) {
  if (state_ != State::active) {
    if (state_ == State::created) throw RuntimeError("Timeout has not been entered");
    throw RuntimeError(std::string("Cannot change state of ") + state_name(state_) + " Timeout");
  }
  when_ = when;
  timer_.cancel();
  timer_ = Handle();
  if (!when) return;
  EventLoop& loop = get_running_loop();
  if (*when <= loop.time()) {
    // Python: call_soon, so that the expiry comes before the task's next wake-up.
    timer_ = loop.call_soon([this] { on_timeout(); });
  } else {
    timer_ = loop.call_at(*when, [this] { on_timeout(); });
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
    if (task_.uncancel() <= cancelling_ && error && detail::is_cancelled_error(error)) {
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
    if (t.when_) {
      os << detail::python_float(static_cast<double>(std::llround(*t.when_ * 1000)) / 1000);
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

double loop_time() {
  return require_running_loop().time();
}

awaitable<void> cancel_and_wait(FutureCore* core) {
  Ref<FutureCore> keep = Ref<FutureCore>::share(core);
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
