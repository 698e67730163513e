#pragma once
/// `Barrier`: tasks wait until a set number of them have arrived. Python: `asyncio.Barrier`.

#include <asyncio/awaitable.hpp>
#include <asyncio/condition.hpp>

#include <cstddef>
#include <iosfwd>

namespace asyncio {

/// Python: `asyncio.Barrier(parties)`.
///
/// Cancellation: a task cancelled in `wait()` leaves the barrier (it no longer counts as
/// arrived); the others keep waiting.
/// Threads: the loop's thread only.
class Barrier {
 public:
  /// Throws: `ValueError("parties must be > 0")`.
  explicit Barrier(std::size_t parties);
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  /// Python: `await barrier.wait()`: gives this task's arrival index, 0 to parties-1.
  /// Throws: `BrokenBarrierError` when the barrier is aborted or reset while waiting.
  awaitable<std::size_t> wait();
  /// Python: `await barrier.reset()`: waiters get `BrokenBarrierError`; the barrier refills.
  awaitable<void> reset();
  /// Python: `await barrier.abort()`: the barrier is broken for current and future waiters.
  awaitable<void> abort();

  std::size_t parties() const noexcept { return parties_; }
  /// Python: `barrier.n_waiting`: tasks waiting while the barrier fills.
  std::size_t n_waiting() const noexcept { return state_ == State::filling ? count_ : 0; }
  bool broken() const noexcept { return state_ == State::broken; }

  /// Python's repr: `<Barrier [filling, waiters:1/3]>`, `<Barrier [broken]>`.
  friend std::ostream& operator<<(std::ostream& os, const Barrier& barrier);

 private:
  enum class State { filling, draining, resetting, broken };
  awaitable<void> block();
  awaitable<void> wait_released();
  void exit() noexcept;

  Condition cond_;
  std::size_t parties_;
  std::size_t count_ = 0;
  State state_ = State::filling;
};

}  // namespace asyncio
