#pragma once
// The machinery of `wait` and `as_completed`. Not API.

#include <asyncio/awaitable.hpp>
#include <asyncio/delay.hpp>
#include <asyncio/detail/ensure_future.hpp>
#include <asyncio/queue.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

namespace asyncio {
enum class ReturnWhen;
}  // namespace asyncio

namespace asyncio::detail {

/// Python: `asyncio.tasks._wait`, on the futures' states.
awaitable<void> wait_core(std::vector<FutureCore*> fs, std::optional<Delay> timeout,
                          ReturnWhen return_when);

/// Each handle once, in order (Python passes a set).
template <typename H>
std::vector<H> unique_handles(std::vector<H> fs) {
  std::unordered_set<FutureCore*> seen;
  std::vector<H> out;
  out.reserve(fs.size());
  for (auto& f : fs) {
    if (seen.insert(core_of(f)).second) out.push_back(std::move(f));
  }
  return out;
}

/// What `as_completed` shares with the awaits it hands out: the queue of finished futures
/// (a null entry for each await the timeout ended) and the done-callbacks.
template <typename H>
struct AsCompletedState {
  using DoneQueue = Queue<std::optional<H>>;

  DoneQueue done;
  std::vector<std::pair<H, std::uint64_t>> callbacks;
  TimerHandle timer;
  std::size_t todo = 0;

  void on_completion(H f) {
    if (todo == 0) return;  // the timeout came first
    --todo;
    done.put_nowait(std::move(f));
    if (todo == 0) timer.cancel();
  }
  void on_timeout() {
    for (auto& [f, id] : callbacks) {
      if (!f.done() && todo > 0) {
        f.remove_done_callback(id);
        --todo;
        done.put_nowait(std::nullopt);  // each pending await raises TimeoutError
      }
    }
    todo = 0;
  }
  ~AsCompletedState() {
    timer.cancel();
    for (auto& [f, id] : callbacks) f.remove_done_callback(id);
  }
};

/// A get() on the queue of finished futures, giving the result instead of the future.
template <typename H>
struct AsCompletedWaiter : QueueGetWaiter<typename AsCompletedState<H>::DoneQueue> {
  using Base = QueueGetWaiter<typename AsCompletedState<H>::DoneQueue>;
  struct params {
    std::shared_ptr<AsCompletedState<H>> state;
  };
  using result_type = typename H::value_type;

  explicit AsCompletedWaiter(const params& p) : Base({&p.state->done}), keep(p.state) {}
  result_type resume() {
    std::optional<H> f = Base::resume();
    if (!f) throw TimeoutError();
    return f->result();
  }

  std::shared_ptr<AsCompletedState<H>> keep;
};

}  // namespace asyncio::detail
