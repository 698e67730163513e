#include <asyncio/barrier.hpp>

#include <ostream>

namespace asyncio {

Barrier::Barrier(std::size_t parties) : parties_(parties) {
  if (parties < 1) throw ValueError("parties must be > 0");
}

// Python: Barrier.wait.
awaitable<std::size_t> Barrier::wait() {
  auto held = co_await cond_.scoped();
  co_await block();  // while the barrier drains or resets
  const std::size_t index = count_++;
  try {
    if (index + 1 == parties_) {
      state_ = State::draining;  // the last to arrive releases everyone
      cond_.notify_all();
    } else {
      co_await wait_released();
    }
  } catch (...) {
    --count_;
    exit();
    throw;
  }
  --count_;
  exit();
  co_return index;
}

awaitable<void> Barrier::block() {
  co_await cond_.wait_for(
      [this] { return state_ != State::draining && state_ != State::resetting; });
  if (state_ == State::broken) throw BrokenBarrierError("Barrier aborted");
}

awaitable<void> Barrier::wait_released() {
  co_await cond_.wait_for([this] { return state_ != State::filling; });
  if (state_ == State::broken || state_ == State::resetting) {
    throw BrokenBarrierError("Abort or reset of barrier");
  }
}

void Barrier::exit() noexcept {
  if (count_ == 0) {
    if (state_ == State::resetting || state_ == State::draining) state_ = State::filling;
    cond_.notify_all();
  }
}

awaitable<void> Barrier::reset() {
  auto held = co_await cond_.scoped();
  if (count_ > 0) {
    state_ = State::resetting;
  } else {
    state_ = State::filling;
  }
  cond_.notify_all();
}

awaitable<void> Barrier::abort() {
  auto held = co_await cond_.scoped();
  state_ = State::broken;
  cond_.notify_all();
}

std::ostream& operator<<(std::ostream& os, const Barrier& b) {
  static constexpr const char* names[] = {"filling", "draining", "resetting", "broken"};
  os << "<Barrier [" << names[static_cast<int>(b.state_)];
  if (!b.broken()) os << ", waiters:" << b.n_waiting() << '/' << b.parties_;
  return os << "]>";
}

}  // namespace asyncio
