#pragma once
/// `Barrier`: tasks wait until a set number of them have arrived. Python: `asyncio.Barrier`.

#include <asyncio/awaitable.hpp>
#include <asyncio/condition.hpp>

#include <cstddef>
#include <iosfwd>
#include <memory>

namespace asyncio {

/// Python: `asyncio.Barrier(parties)`.
///
/// Cancellation: a task cancelled in `wait()` leaves the barrier (it no longer counts as
/// arrived); the others keep waiting. Destroying the Barrier while tasks wait is safe: they
/// wait on (nobody can release them any more) until cancelled.
/// Threads: the loop's thread only.
class Barrier {
 public:
  /// `parties` is signed, as Python's int: `Barrier(-1)` is refused, not wrapped into a huge
  /// count.
  /// Throws: `ValueError("parties must be > 0")`.
  explicit Barrier(long parties);
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  /// Python: `await barrier.wait()`: gives this task's arrival index, 0 to parties-1.
  /// Throws: `BrokenBarrierError` when the barrier is aborted or reset while waiting.
  awaitable<std::size_t> wait();
  /// Python: `await barrier.reset()`: waiters get `BrokenBarrierError`; the barrier refills.
  awaitable<void> reset();
  /// Python: `await barrier.abort()`: the barrier is broken for current and future waiters.
  awaitable<void> abort();

  std::size_t parties() const noexcept;
  /// Python: `barrier.n_waiting`: tasks waiting while the barrier fills.
  std::size_t n_waiting() const noexcept;
  bool broken() const noexcept;

  /// Python's repr without the address: `<asyncio.locks.Barrier object [filling, waiters:1/3]>`,
  /// `<asyncio.locks.Barrier object [broken]>`.
  friend std::ostream& operator<<(std::ostream& os, const Barrier& barrier);

 private:
  // Shared with the coroutines of wait(), reset() and abort(): they may outlive the Barrier.
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace asyncio
