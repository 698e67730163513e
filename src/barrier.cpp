#include <asyncio/barrier.hpp>

#include <memory>
#include <ostream>

namespace asyncio {

struct Barrier::Core {
  enum class State { filling, draining, resetting, broken };

  explicit Core(std::size_t n) : parties(n) {}

  // Python: Barrier.wait. `self` keeps the barrier's state alive while this waits.
  static awaitable<std::size_t> wait(std::shared_ptr<Core> self) {
    Core& b = *self;
    auto held = co_await b.cond.scoped();
    co_await b.block();  // while the barrier drains or resets
    const std::size_t index = b.count++;
    try {
      if (index + 1 == b.parties) {
        b.state = State::draining;  // the last to arrive releases everyone
        b.cond.notify_all();
      } else {
        co_await b.wait_released();
      }
    } catch (...) {
      --b.count;
      b.exit();
      throw;
    }
    --b.count;
    b.exit();
    co_return index;
  }

  awaitable<void> block() {
    co_await cond.wait_for(
        [this] { return state != State::draining && state != State::resetting; });
    if (state == State::broken) throw BrokenBarrierError("Barrier aborted");
  }

  awaitable<void> wait_released() {
    co_await cond.wait_for([this] { return state != State::filling; });
    if (state == State::broken || state == State::resetting) {
      throw BrokenBarrierError("Abort or reset of barrier");
    }
  }

  void exit() noexcept {
    if (count == 0) {
      if (state == State::resetting || state == State::draining) state = State::filling;
      cond.notify_all();
    }
  }

  static awaitable<void> reset(std::shared_ptr<Core> self) {
    Core& b = *self;
    auto held = co_await b.cond.scoped();
    b.state = b.count > 0 ? State::resetting : State::filling;
    b.cond.notify_all();
  }

  static awaitable<void> abort(std::shared_ptr<Core> self) {
    Core& b = *self;
    auto held = co_await b.cond.scoped();
    b.state = State::broken;
    b.cond.notify_all();
  }

  Condition cond;
  std::size_t parties;
  std::size_t count = 0;
  State state = State::filling;
};

Barrier::Barrier(long parties) {
  if (parties < 1) throw ValueError("parties must be > 0");
  core_ = std::make_shared<Core>(static_cast<std::size_t>(parties));
}

awaitable<std::size_t> Barrier::wait() {
  return Core::wait(core_);
}

awaitable<void> Barrier::reset() {
  return Core::reset(core_);
}

awaitable<void> Barrier::abort() {
  return Core::abort(core_);
}

std::size_t Barrier::parties() const noexcept {
  return core_->parties;
}

std::size_t Barrier::n_waiting() const noexcept {
  return core_->state == Core::State::filling ? core_->count : 0;
}

bool Barrier::broken() const noexcept {
  return core_->state == Core::State::broken;
}

std::ostream& operator<<(std::ostream& os, const Barrier& b) {
  static constexpr const char* names[] = {"filling", "draining", "resetting", "broken"};
  os << "<asyncio.locks.Barrier object [" << names[static_cast<int>(b.core_->state)];
  if (!b.broken()) os << ", waiters:" << b.n_waiting() << '/' << b.parties();
  return os << "]>";
}

}  // namespace asyncio
