// Randomized model-based tests of the synchronization primitives (no CPython twin).
//
// Each test drives one primitive with a seeded random schedule of operations spread over
// many tasks on the virtual clock, and checks the library against a plain reference model
// that follows CPython 3.13's algorithms (Lib/asyncio/locks.py and queues.py).
//
// How the schedule stays checkable:
// - Every task sleeps whole multiples of kGrid, so everything happens at grid times. The
//   driver also looks at the world kProbe after a grid time: the virtual clock only moves
//   on when nothing is ready, so then every task is parked in a timer or in a primitive
//   ("quiescent"). Woken or cancelled waiters that have not run by then are lost wake-ups.
// - The model is updated by hooks placed right before and right after each library call.
//   Nothing runs between a hook and the library's own state change, so the model sees the
//   library's transitions in the library's order and checks that each one is a transition
//   CPython makes (who may be granted, which error is raised, which item comes out).
//
// On failure the message names the seed. Replay one seed with ASYNCIO_MODEL_SEED=<seed>
// (and --gtest_filter=<Suite>.*); ASYNCIO_MODEL_SEEDS=<n> runs seeds 1..n instead of the
// default set (a longer soak). ASYNCIO_MODEL_VERBOSE=1 prints how often each race came up.
#include <asyncio/barrier.hpp>
#include <asyncio/condition.hpp>
#include <asyncio/event.hpp>
#include <asyncio/lock.hpp>
#include <asyncio/queue.hpp>
#include <asyncio/semaphore.hpp>

#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/run.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using asyncio::awaitable;
using Ns = std::chrono::nanoseconds;

/// Every sleep of a task is a multiple of this.
constexpr Ns kGrid = 1ms;
/// The driver checks this long after a grid time, when every task is parked.
constexpr Ns kProbe = 1ns;
/// Virtual seconds after which the run is declared hung.
constexpr double kWatchdogSeconds = 60.0;
/// Grid steps the driver spends helping blocked tasks finish at the end.
constexpr int kDrainSteps = 400;
/// Failure messages reported per seed (the first one matters; the rest are often echoes).
constexpr int kMaxReports = 3;

/// How often each interesting situation came up, summed over the seeds of one test; printed
/// with ASYNCIO_MODEL_VERBOSE=1, to see that the schedules reach the races they are for.
using Stats = std::map<std::string, long>;

/// The seeds to run: ASYNCIO_MODEL_SEED=<s> gives one, ASYNCIO_MODEL_SEEDS=<n> gives 1..n.
std::vector<std::uint64_t> model_seeds(std::uint64_t count) {
  if (const char* s = std::getenv("ASYNCIO_MODEL_SEED"); s && *s) {
    return {std::strtoull(s, nullptr, 0)};
  }
  if (const char* s = std::getenv("ASYNCIO_MODEL_SEEDS"); s && *s) {
    count = std::strtoull(s, nullptr, 0);
  }
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t i = 1; i <= count; ++i) seeds.push_back(i);
  return seeds;
}

/// std::mt19937_64 with draws that do not depend on the standard library's distributions,
/// so a seed replays the same schedule everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  /// A number in [lo, hi].
  int uniform(int lo, int hi) {
    return lo + static_cast<int>(gen_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return static_cast<double>(gen_() >> 11) * 0x1.0p-53 < p; }
  /// The index of a weight, drawn in proportion to the weights.
  int choose(std::initializer_list<int> weights) {
    int total = 0;
    for (int w : weights) total += w;
    int r = uniform(0, total - 1);
    int i = 0;
    for (int w : weights) {
      if (r < w) return i;
      r -= w;
      ++i;
    }
    return i - 1;
  }
  std::uint64_t next() { return gen_(); }

 private:
  std::mt19937_64 gen_;
};

template <typename T>
std::string repr(const T& x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

std::string describe_current_exception() {
  return asyncio::format_exception(std::current_exception());
}

/// Waits `units` grid steps; 0 is `sleep(0)`, a bare yield.
awaitable<void> grid_sleep(int units) {
  if (units <= 0) {
    co_await asyncio::sleep(0s);
  } else {
    co_await asyncio::sleep(kGrid * units);
  }
}

// ------------------------------------------------------------------------------------------
// The harness shared by every model: actors (the tasks the driver spawns), the driver loop,
// cancellation and "timeouts", quiescent checks, failure reports.
// ------------------------------------------------------------------------------------------

class ModelBase {
 public:
  explicit ModelBase(std::uint64_t seed) : seed_(seed), rng_(seed) {
    max_live_ = rng_.uniform(8, 32);
    steps_ = rng_.uniform(150, 300);
  }
  virtual ~ModelBase() = default;
  ModelBase(const ModelBase&) = delete;
  ModelBase& operator=(const ModelBase&) = delete;

  const Stats& stats() const { return stats_; }

  /// Runs the whole schedule for this seed on a fresh virtual-time loop.
  void run() {
    try {
      asyncio::run(main(), {.virtual_time = true});
    } catch (...) {
      fail("asyncio::run raised " + describe_current_exception());
    }
    loop_ = nullptr;  // closed and gone
    if (failures_ > 0) return;
    // After run(): every handle is done, and ended as the model says it did.
    for (const Actor& a : actors_) {
      if (!a.task.done()) {
        fail(a.name + " is not done after run() returned");
      } else if (a.task.cancelled() != a.ended_cancelled) {
        fail(a.name + (a.ended_cancelled ? " should have ended cancelled"
                                         : " ended cancelled, the model says it finished"));
      }
    }
    for (const auto& h : helpers_) {
      if (!h.done()) fail("a timeout helper task is not done after run() returned");
    }
  }

 protected:
  enum class Phase : std::uint8_t { created, running, blocked, done };

  /// A task the driver spawned.
  struct Actor {
    asyncio::Task<void> task;
    std::string name;
    Phase phase = Phase::created;
    int op = 0;                   // the blocking operation it is in (model-specific)
    int op_serial = 0;            // bumped per operation, so a late timeout does nothing
    bool cancel_pending = false;  // cancel() was called: the next resumption must raise
    bool ended_cancelled = false;
  };

  // --- what each model provides -----------------------------------------------------------

  /// One random driver action at a grid time.
  virtual awaitable<void> act() = 0;
  /// One driver action at the end that helps blocked tasks finish.
  virtual awaitable<void> drain() = 0;
  /// cancel() is about to be called on actor `id` (not done): update the waiter entries.
  virtual void on_cancel(int /*id*/) {}
  /// Library state == model state; valid at any time the driver or a hook runs.
  virtual void check_state() = 0;
  /// Extra checks when every task is parked (lost wake-ups, repr).
  virtual void check_quiescent() = 0;
  /// After every actor ended.
  virtual void check_final() {}
  /// Actor `id` ended (returned or raised).
  virtual void on_actor_end(int /*id*/) {}
  /// Whether a cancelled actor may still be blocked at a quiescent point.
  virtual bool cancel_may_linger(const Actor&) const { return false; }
  /// The model, for failure messages.
  virtual std::string describe() const = 0;

  // --- failures --------------------------------------------------------------------------

  bool ok() const { return failures_ == 0 && !tearing_down_; }
  void count(const char* what) { ++stats_[what]; }
  void check(bool cond, const std::string& what) {
    if (!cond) fail(what);
  }
  void fail(const std::string& what) {
    if (tearing_down_ || ++failures_ > kMaxReports) return;
    std::ostringstream where;
    if (loop_) where << " t=" << loop_->time() * 1e3 << "ms";
    ADD_FAILURE() << "seed=" << seed_ << where.str() << ": " << what << "\n  model: " << describe()
                  << "\n  replay: ASYNCIO_MODEL_SEED=" << seed_;
  }

  // --- actors ------------------------------------------------------------------------------

  std::string who(int id) const { return id < 0 ? std::string("driver") : actors_[id].name; }

  int live() const {
    int n = 0;
    for (const Actor& a : actors_) n += a.phase != Phase::done;
    return n;
  }
  bool all_done() const {
    return std::all_of(actors_.begin(), actors_.end(),
                       [](const Actor& a) { return a.phase == Phase::done; });
  }
  bool can_spawn() const { return live() < max_live_; }

  /// Spawns an actor running `(this->*body)(id)`.
  template <typename M>
  int spawn(awaitable<void> (M::*body)(int), const char* role) {
    const int id = static_cast<int>(actors_.size());
    actors_.emplace_back();
    actors_[id].name = role + std::to_string(id);
    auto* self = static_cast<M*>(this);
    actors_[id].task = asyncio::create_task(actor_main(id, (self->*body)(id)), actors_[id].name);
    return id;
  }

  /// A random actor that is not done, or -1.
  int random_live() {
    std::vector<int> ids;
    for (std::size_t i = 0; i < actors_.size(); ++i) {
      if (actors_[i].phase != Phase::done) ids.push_back(static_cast<int>(i));
    }
    return ids.empty() ? -1 : ids[rng_.uniform(0, static_cast<int>(ids.size()) - 1)];
  }
  /// A random actor inside a blocking operation, or -1.
  int random_blocked() {
    std::vector<int> ids;
    for (std::size_t i = 0; i < actors_.size(); ++i) {
      if (actors_[i].phase == Phase::blocked) ids.push_back(static_cast<int>(i));
    }
    return ids.empty() ? -1 : ids[rng_.uniform(0, static_cast<int>(ids.size()) - 1)];
  }
  int count_blocked(int op) const {
    int n = 0;
    for (const Actor& a : actors_) n += a.phase == Phase::blocked && a.op == op;
    return n;
  }

  /// Task.cancel(), with the model told first. Python: a cancel reaches the task at its
  /// current await (or its first step) and never gets lost.
  void cancel(int id) {
    Actor& a = actors_[id];
    const bool known_done = a.phase == Phase::done;
    // Cancelled before its first step: the task ends there, unseen by any hook.
    const bool maybe_done = a.phase == Phase::created && a.cancel_pending;
    if (!known_done) {
      count(a.phase == Phase::blocked ? "cancel-blocked" : "cancel-other");
      on_cancel(id);
      a.cancel_pending = true;
    }
    const bool got = a.task.cancel();
    if (!maybe_done) {
      check(got == !known_done, a.name + ".cancel() returned " + (got ? "true" : "false") +
                                    (known_done ? " for a done task" : " for a pending task"));
    }
  }

  /// Python: `wait_for(op, d)` cancelling the operation on expiry (until the library has
  /// one): after `units` grid steps, cancel `id` if it is still in the same operation.
  void arm_timeout(int id) {
    const int serial = actors_[id].op_serial;
    const int units = rng_.uniform(0, 4);
    if (rng_.chance(0.5)) {
      loop_->call_later(kGrid * units, [this, id, serial] { fire_timeout(id, serial); });
    } else {
      helpers_.push_back(asyncio::create_task(timeout_task(id, serial, units), "timeout"));
    }
  }

  // --- hooks used by actor bodies ----------------------------------------------------------

  void begin_op(int id, int op) {
    Actor& a = actors_[id];
    a.phase = Phase::blocked;
    a.op = op;
    ++a.op_serial;
  }
  void end_op(int id) { actors_[id].phase = Phase::running; }
  /// An operation that may have suspended completed normally or with its own error.
  void resumed(int id) {
    check(!actors_[id].cancel_pending,
          who(id) + ": an operation completed although cancel() was called while it waited");
  }
  /// An operation raised CancelledError.
  void resumed_cancelled(int id) {
    check(actors_[id].cancel_pending, who(id) + ": CancelledError without a cancel() call");
  }
  /// A task's sleep between operations.
  awaitable<void> nap(int id, int units) {
    try {
      co_await grid_sleep(units);
    } catch (const asyncio::CancelledError&) {
      resumed_cancelled(id);
      throw;
    }
    resumed(id);
  }

  std::uint64_t seed_;
  Rng rng_;
  asyncio::EventLoop* loop_ = nullptr;
  std::deque<Actor> actors_;
  int max_live_;
  int steps_;
  bool draining_ = false;

 private:
  awaitable<void> actor_main(int id, awaitable<void> body) {
    check(!actors_[id].cancel_pending,
          who(id) + ": the body ran although the task was cancelled before its first step");
    actors_[id].phase = Phase::running;
    bool cancelled = false;
    try {
      co_await std::move(body);
    } catch (const asyncio::CancelledError&) {
      cancelled = true;
    } catch (...) {
      fail(who(id) + " raised " + describe_current_exception());
    }
    if (cancelled) check(actors_[id].cancel_pending, who(id) + " ended cancelled, uncalled for");
    actors_[id].phase = Phase::done;
    actors_[id].ended_cancelled = cancelled;
    on_actor_end(id);
    if (cancelled) throw asyncio::CancelledError();
  }

  awaitable<void> timeout_task(int id, int serial, int units) {
    co_await grid_sleep(units);
    fire_timeout(id, serial);
  }
  void fire_timeout(int id, int serial) {
    const Actor& a = actors_[id];
    if (a.phase == Phase::blocked && a.op_serial == serial) {
      count("timeout-fired");
      cancel(id);
    }
  }

  void cancel_everything() {
    tearing_down_ = true;  // what follows is no longer the schedule under test
    for (Actor& a : actors_) {
      if (!a.task.done()) a.task.cancel();
    }
  }

  /// Every task is parked: the checks that only hold then.
  void quiescent() {
    for (Actor& a : actors_) {
      if (a.phase == Phase::created) {
        if (a.cancel_pending && a.task.done() && a.task.cancelled()) {
          a.phase = Phase::done;  // cancelled before its first step: it never ran
          a.ended_cancelled = true;
        } else {
          fail(a.name + " was created but has not started");
        }
      } else if (a.phase == Phase::done) {
        check(a.task.done(), a.name + " returned but its task is not done");
      } else {
        check(!a.task.done(), a.name + " is done but its body did not end");
        if (a.cancel_pending && !cancel_may_linger(a)) {
          fail(a.name + " was cancelled but is still " +
               (a.phase == Phase::blocked ? "blocked in an operation" : "running") +
               ": lost wake-up");
        }
      }
    }
    check_state();
    check_quiescent();
  }

  awaitable<void> drive() {
    co_await asyncio::sleep(kProbe);
    for (int step = 0; step < steps_ && ok(); ++step) {
      co_await asyncio::sleep(kGrid * rng_.uniform(1, 3) - kProbe);
      const int n = rng_.uniform(1, 4);
      for (int i = 0; i < n && ok(); ++i) {
        co_await act();
        check_state();
        if (rng_.chance(0.3)) {
          for (int k = rng_.uniform(1, 3); k > 0; --k) co_await asyncio::sleep(0s);
          check_state();
        }
      }
      co_await asyncio::sleep(kProbe);
      quiescent();
    }
    draining_ = true;
    for (int i = 0; i < kDrainSteps && ok() && (i == 0 || !all_done()); ++i) {
      co_await asyncio::sleep(kGrid - kProbe);
      co_await drain();
      co_await asyncio::sleep(kProbe);
      quiescent();
    }
    if (ok() && !all_done()) {
      std::string stuck;
      for (const Actor& a : actors_) {
        if (a.phase != Phase::done) stuck += " " + a.name;
      }
      fail("tasks still not done after " + std::to_string(kDrainSteps) +
           " steps of draining:" + stuck);
    }
    if (!ok()) {
      cancel_everything();
      for (int i = 0; i < 10; ++i) co_await asyncio::sleep(kGrid);
      co_return;
    }
    check_state();
    check_final();
  }

  awaitable<void> main() {
    asyncio::EventLoop& loop = asyncio::get_running_loop();
    loop_ = &loop;
    loop.set_exception_handler([this](asyncio::EventLoop&, const asyncio::ExceptionContext& c) {
      fail("the loop's exception handler was called: " + c.message +
           (c.exception ? " (" + asyncio::format_exception(c.exception) + ")" : ""));
    });
    auto driver = asyncio::create_task(drive(), "driver");
    while (!driver.done()) {
      if (loop.time() > kWatchdogSeconds) {
        fail("watchdog: the driver is stuck (a task or the driver hangs)");
        cancel_everything();
        driver.cancel();
        break;
      }
      co_await asyncio::sleep(100ms);
    }
    try {
      co_await driver;
    } catch (const asyncio::CancelledError&) {
      if (ok()) fail("the driver was cancelled");
    } catch (...) {
      fail("the driver raised " + describe_current_exception());
    }
    if (ok()) {
      const auto left = asyncio::all_tasks();
      check(left.size() == 1,
            "tasks left behind at the end: " + std::to_string(left.size() - 1) + " besides main");
    }
  }

  std::vector<asyncio::Task<void>> helpers_;
  int failures_ = 0;
  bool tearing_down_ = false;
  Stats stats_;
};

/// Runs model M for every seed, naming the seed on failure.
template <typename M>
void run_seeds(std::uint64_t default_count) {
  Stats total;
  for (std::uint64_t seed : model_seeds(default_count)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    M model(seed);
    model.run();
    for (const auto& [k, v] : model.stats()) total[k] += v;
    if (::testing::Test::HasFailure() && std::getenv("ASYNCIO_MODEL_SEED") == nullptr) {
      break;  // the first failing seed is the one to replay
    }
  }
  if (std::getenv("ASYNCIO_MODEL_VERBOSE")) {
    std::string line;
    for (const auto& [k, v] : total) line += " " + k + "=" + std::to_string(v);
    std::printf("[  stats   ]%s\n", line.c_str());
  }
}

/// The status of a waiter future in CPython's `_waiters` deque.
enum class St : std::uint8_t { waiting, woken, cancelled };
const char* st_name(St s) {
  switch (s) {
    case St::waiting:
      return "waiting";
    case St::woken:
      return "woken";
    case St::cancelled:
      return "cancelled";
  }
  return "?";
}

/// A waiter entry: CPython's future in `_waiters`. `cancel_after_wake`: the task was
/// cancelled after the future got its result (Python: `_must_cancel`), so it must raise.
struct Entry {
  int id;
  St st = St::waiting;
  bool cancel_after_wake = false;
};

std::string describe_entries(const std::deque<Entry>& entries,
                             const std::function<std::string(int)>& who) {
  std::string s = "[";
  for (const Entry& e : entries) {
    if (s.size() > 1) s += ", ";
    s += who(e.id) + ":" + st_name(e.st) + (e.cancel_after_wake ? "+cancel" : "");
  }
  return s + "]";
}

Entry* find_entry(std::deque<Entry>& entries, int id) {
  for (Entry& e : entries) {
    if (e.id == id) return &e;
  }
  return nullptr;
}
void erase_entry(std::deque<Entry>& entries, int id) {
  entries.erase(
      std::remove_if(entries.begin(), entries.end(), [id](const Entry& e) { return e.id == id; }),
      entries.end());
}
/// A cancel reaching a waiter: a pending future is cancelled; a woken one makes the task
/// raise when it runs (Python: `_must_cancel`).
const char* cancel_entry(Entry* e) {
  if (!e) return "cancel-no-entry";
  if (e->st == St::waiting) {
    e->st = St::cancelled;
    return "cancel-waiting";
  }
  if (e->st == St::woken) {
    e->cancel_after_wake = true;
    return "cancel-after-wake";
  }
  return "cancel-again";
}

constexpr int kDriver = -1;
constexpr int kNobody = -2;

// ------------------------------------------------------------------------------------------
// Lock. Model: CPython's Lock: `_locked`, the `_waiters` deque of futures, `_wake_up_first`.
// Checks: one holder at a time; grants only to the woken head, so in arrival order skipping
// cancelled waiters; a woken-then-cancelled waiter passes the wake-up on; a newcomer never
// jumps a woken waiter; a free lock is taken without yielding; no lost wake-up.
// ------------------------------------------------------------------------------------------

class LockModel final : public ModelBase {
 public:
  using ModelBase::ModelBase;

 private:
  enum Op { kAcquire = 1 };

  // CPython: `not self._locked and all(w.cancelled() for w in self._waiters)`.
  bool free_for_newcomer() const {
    return !locked_ && std::all_of(waiters_.begin(), waiters_.end(),
                                   [](const Entry& e) { return e.st == St::cancelled; });
  }
  // CPython: Lock._wake_up_first: only the head; a done head passes it on when it runs.
  void wake_up_first() {
    if (!waiters_.empty() && waiters_.front().st == St::waiting) {
      waiters_.front().st = St::woken;
    }
  }

  /// Before `co_await acquire()`. Returns whether the acquire must not wait.
  bool before_acquire(int id) {
    ++events_;
    if (id >= 0) begin_op(id, kAcquire);
    if (free_for_newcomer()) {
      count(waiters_.empty() ? "acquire-free" : "acquire-free-past-cancelled");
      locked_ = true;
      holder_ = id;
      return true;
    }
    count(locked_ ? "acquire-wait" : "acquire-wait-behind-woken");
    waiters_.push_back({id});
    return false;
  }
  void after_acquire(int id, bool immediate, std::uint64_t events_at_call) {
    if (immediate) {
      check(events_ == events_at_call, who(id) + ": acquire() of a free lock yielded");
    } else {
      Entry* e = find_entry(waiters_, id);
      if (!e) {
        fail(who(id) + ": acquire() returned but the model has no waiter for it");
      } else if (e->st != St::woken || e->cancel_after_wake) {
        fail(who(id) + ": acquire() returned to a waiter that was " + st_name(e->st) +
             (e->cancel_after_wake ? " and then cancelled" : "") +
             " (FIFO order: only the woken head may take the lock)");
      }
      check(!locked_, who(id) + ": acquire() returned while " + who(holder_) +
                          " holds the lock: two holders");
      erase_entry(waiters_, id);
      locked_ = true;
      holder_ = id;
    }
    ++events_;
    if (id >= 0) end_op(id);
    check_state();
  }
  void acquire_cancelled(int id, bool immediate) {
    check(!immediate, who(id) + ": an acquire() that did not wait raised CancelledError");
    Entry* e = find_entry(waiters_, id);
    if (!e) {
      fail(who(id) + ": acquire() raised CancelledError but the model has no waiter for it");
    } else {
      check(e->st == St::cancelled || e->cancel_after_wake,
            who(id) + ": acquire() raised CancelledError although its waiter was " +
                st_name(e->st) + " and not cancelled");
      if (e->cancel_after_wake) count("woken-then-cancelled");
    }
    erase_entry(waiters_, id);
    // CPython: "Ensure the lock invariant: If lock is not claimed ... it must be woken."
    if (!locked_) wake_up_first();
    ++events_;
    check_state();
  }
  /// The model's half of `release()`; the caller then releases the lock (or its guard).
  void model_release(int id) {
    check(holder_ == id, who(id) + " releases a lock held by " + who(holder_));
    locked_ = false;
    holder_ = kNobody;
    wake_up_first();
    ++events_;
  }
  void release(int id) {
    model_release(id);
    lock_.release();
    check_state();
  }

  awaitable<void> worker(int id) {
    const int rounds = rng_.uniform(1, 5);
    for (int r = 0; r < rounds; ++r) {
      co_await nap(id, rng_.uniform(0, 3));
      const bool scoped = rng_.chance(0.4);
      const bool immediate = before_acquire(id);
      const std::uint64_t at = events_;
      std::optional<asyncio::Held<asyncio::Lock>> held;
      try {
        if (scoped) {
          held.emplace(co_await lock_.scoped());
        } else {
          co_await lock_.acquire();
        }
      } catch (const asyncio::CancelledError&) {
        resumed_cancelled(id);
        acquire_cancelled(id, immediate);
        throw;
      }
      resumed(id);
      after_acquire(id, immediate, at);
      try {
        co_await nap(id, rng_.uniform(0, 3));
      } catch (const asyncio::CancelledError&) {
        // `async with lock:` releases on the way out: the guard's destructor, or by hand.
        model_release(id);
        if (!held) lock_.release();
        throw;
      }
      model_release(id);
      held ? held->release() : lock_.release();
      check_state();
    }
  }

  awaitable<void> act() override {
    switch (rng_.choose({4, 2, 3, 2, 2, 1, 1})) {
      case 0:
        if (can_spawn()) spawn(&LockModel::worker, "w");
        break;
      case 1:
        if (int id = random_live(); id >= 0) cancel(id);
        break;
      case 2:
        if (int id = random_blocked(); id >= 0) arm_timeout(id);
        break;
      case 3:  // the driver takes a free lock: it must not yield
        if (holder_ != kDriver && free_for_newcomer()) {
          const bool immediate = before_acquire(kDriver);
          const std::uint64_t at = events_;
          co_await lock_.acquire();
          after_acquire(kDriver, immediate, at);
        }
        break;
      case 4:  // the driver releases, then maybe cancels the woken head or adds a newcomer
        if (holder_ == kDriver) {
          release(kDriver);
          if (rng_.chance(0.5) && !waiters_.empty() && waiters_.front().st == St::woken &&
              waiters_.front().id >= 0) {
            cancel(waiters_.front().id);
          }
          if (rng_.chance(0.3) && can_spawn()) spawn(&LockModel::worker, "w");
        }
        break;
      case 5:  // releasing an unlocked lock
        if (!locked_) {
          try {
            lock_.release();
            fail("release() of an unlocked Lock did not throw");
          } catch (const asyncio::RuntimeError& e) {
            check(std::string(e.what()) == "Lock is not acquired.",
                  std::string("release() of an unlocked Lock: ") + e.what());
          }
        }
        break;
      default:
        break;
    }
    co_return;
  }

  awaitable<void> drain() override {
    if (holder_ == kDriver) release(kDriver);
    co_return;
  }

  void on_cancel(int id) override {
    if (actors_[id].phase == Phase::blocked) count(cancel_entry(find_entry(waiters_, id)));
  }

  void on_actor_end(int id) override {
    check(holder_ != id, who(id) + " ended holding the lock");
    check(find_entry(waiters_, id) == nullptr, who(id) + " ended with a waiter in the lock");
  }

  void check_state() override {
    check(lock_.locked() == locked_, std::string("lock.locked() is ") +
                                         (lock_.locked() ? "true" : "false") + ", model says " +
                                         (locked_ ? "true" : "false"));
    std::string expected =
        std::string("<asyncio.locks.Lock object [") + (locked_ ? "locked" : "unlocked");
    if (!waiters_.empty()) expected += ", waiters:" + std::to_string(waiters_.size());
    expected += "]>";
    check(repr(lock_) == expected, "repr " + repr(lock_) + ", model says " + expected);
  }

  void check_quiescent() override {
    for (const Entry& e : waiters_) {
      check(e.st == St::waiting, who(e.id) + "'s waiter is still " + st_name(e.st) +
                                     " when every task is parked: lost wake-up");
      check(e.id < 0 || actors_[e.id].phase == Phase::blocked,
            who(e.id) + " has a waiter but is not in acquire()");
    }
    check(waiters_.empty() || locked_, "the lock is free while tasks wait: lost wake-up");
  }

  void check_final() override {
    check(!locked_ && waiters_.empty(), "the lock is not free at the end");
    check(!lock_.locked(), "lock.locked() at the end");
  }

  std::string describe() const override {
    return std::string(locked_ ? "locked by " + who(holder_) : "unlocked") + ", waiters " +
           describe_entries(waiters_, [this](int id) { return who(id); });
  }

  asyncio::Lock lock_;
  bool locked_ = false;
  int holder_ = kNobody;
  std::deque<Entry> waiters_;
  std::uint64_t events_ = 0;  // bumped by every hook: an acquire that must not yield keeps it
};

TEST(LockModelTest, MatchesCPythonModel) {
  run_seeds<LockModel>(40);
}

// ------------------------------------------------------------------------------------------
// Semaphore and BoundedSemaphore. Model: CPython 3.12+'s Semaphore: `_value`, `_waiters`,
// `_wake_up_next` (sets a slot aside for the woken waiter), the `finally` that wakes while
// slots are free, and the woken-then-cancelled waiter giving its slot back.
// Checks: value() and locked() at every step; value + slots held + slots set aside for woken
// waiters == initial + net extra releases; grants only to woken waiters; a bounded one
// refuses an over-release with ValueError exactly when CPython does and stays within its
// bound (unless releases without an acquire got in first: CPython lets those through while
// the value is below the bound); no lost wake-up.
// ------------------------------------------------------------------------------------------

template <bool Bounded>
class SemaphoreModel final : public ModelBase {
 public:
  explicit SemaphoreModel(std::uint64_t seed) : ModelBase(seed) {
    initial_ = rng_.uniform(1, 4);
    value_ = initial_;
    if constexpr (Bounded) {
      sem_ = std::make_unique<asyncio::BoundedSemaphore>(initial_);
    } else {
      sem_ = std::make_unique<asyncio::Semaphore>(initial_);
    }
  }

 private:
  enum Op { kAcquire = 1 };
  static constexpr const char* kKind = Bounded ? "BoundedSemaphore" : "Semaphore";

  // CPython: `self._value == 0 or any(not w.cancelled() for w in self._waiters)`.
  bool model_locked() const {
    return value_ == 0 || std::any_of(waiters_.begin(), waiters_.end(),
                                      [](const Entry& e) { return e.st != St::cancelled; });
  }
  // CPython: Semaphore._wake_up_next.
  bool wake_up_next() {
    for (Entry& e : waiters_) {
      if (e.st == St::waiting) {
        --value_;
        e.st = St::woken;
        return true;
      }
    }
    return false;
  }
  void wake_while_free() {
    while (value_ > 0) {
      if (!wake_up_next()) break;
    }
  }
  long held() const {
    long n = 0;
    for (const auto& [id, k] : holders_) n += k;
    return n;
  }

  bool before_acquire(int id) {
    ++events_;
    if (id >= 0) begin_op(id, kAcquire);
    if (!model_locked()) {
      --value_;
      ++holders_[id];
      return true;
    }
    count(value_ > 0 ? "acquire-wait-behind-waiters" : "acquire-wait");
    waiters_.push_back({id});
    return false;
  }
  void after_acquire(int id, bool immediate, std::uint64_t events_at_call) {
    if (immediate) {
      check(events_ == events_at_call, who(id) + ": acquire() of a free semaphore yielded");
    } else {
      Entry* e = find_entry(waiters_, id);
      if (!e) {
        fail(who(id) + ": acquire() returned but the model has no waiter for it");
      } else if (e->st != St::woken || e->cancel_after_wake) {
        fail(who(id) + ": acquire() returned to a waiter that was " + st_name(e->st) +
             (e->cancel_after_wake ? " and then cancelled" : "") +
             " (only a woken waiter has a slot set aside)");
      }
      erase_entry(waiters_, id);
      wake_while_free();
      ++holders_[id];
    }
    ++events_;
    if (id >= 0) end_op(id);
    check_state();
  }
  void acquire_cancelled(int id, bool immediate) {
    check(!immediate, who(id) + ": an acquire() that did not wait raised CancelledError");
    Entry* e = find_entry(waiters_, id);
    if (!e) {
      fail(who(id) + ": acquire() raised CancelledError but the model has no waiter for it");
    } else {
      check(e->st == St::cancelled || e->cancel_after_wake,
            who(id) + ": acquire() raised CancelledError although its waiter was " +
                st_name(e->st) + " and not cancelled");
      // CPython: `if fut.done() and not fut.cancelled(): self._value += 1`.
      if (e->st == St::woken) {
        count("woken-then-cancelled");
        ++value_;
      }
    }
    erase_entry(waiters_, id);
    wake_while_free();
    ++events_;
    check_state();
  }
  using Guard = asyncio::Held<asyncio::Semaphore>;

  /// A release by `id` (a holder, or the driver releasing with no slot: `stray`), through
  /// `guard` when the slot was taken with scoped().
  void release(int id, bool stray, Guard* guard = nullptr) {
    const bool refuse = Bounded && value_ >= initial_;
    if (!stray) {
      check(holders_[id] > 0, who(id) + " releases a slot it does not hold");
      --holders_[id];
    }
    if (refuse) {
      count("release-refused");
      extra_ -= stray ? 0 : 1;  // the holder's slot is gone without coming back
      ++events_;
      try {
        guard ? guard->release() : sem_->release();
        fail(std::string(kKind) + ".release() at value " + std::to_string(value_) + " (bound " +
             std::to_string(initial_) + ") did not throw");
      } catch (const asyncio::ValueError& e) {
        check(std::string(e.what()) == "BoundedSemaphore released too many times",
              std::string("over-release: ") + e.what());
      }
    } else {
      extra_ += stray ? 1 : 0;
      ++value_;
      wake_up_next();
      ++events_;
      guard ? guard->release() : sem_->release();
    }
    check_state();
  }

  awaitable<void> worker(int id) {
    const int rounds = rng_.uniform(1, 5);
    for (int r = 0; r < rounds; ++r) {
      co_await nap(id, rng_.uniform(0, 3));
      const bool scoped = rng_.chance(0.3);
      const bool immediate = before_acquire(id);
      const std::uint64_t at = events_;
      std::optional<Guard> guard;
      try {
        if (scoped) {
          guard.emplace(co_await sem_->scoped());
        } else {
          co_await sem_->acquire();
        }
      } catch (const asyncio::CancelledError&) {
        resumed_cancelled(id);
        acquire_cancelled(id, immediate);
        throw;
      }
      resumed(id);
      after_acquire(id, immediate, at);
      // Released explicitly, also through the guard: a guard's destructor would hand a
      // refused release (after stray releases) to the loop's exception handler.
      try {
        co_await nap(id, rng_.uniform(0, 3));
      } catch (const asyncio::CancelledError&) {
        release(id, false, guard ? &*guard : nullptr);
        throw;
      }
      release(id, false, guard ? &*guard : nullptr);
    }
  }

  awaitable<void> act() override {
    switch (rng_.choose({4, 2, 3, 2, 2, 1})) {
      case 0:
        if (can_spawn()) spawn(&SemaphoreModel::worker, "w");
        break;
      case 1:
        if (int id = random_live(); id >= 0) cancel(id);
        break;
      case 2:
        if (int id = random_blocked(); id >= 0) arm_timeout(id);
        break;
      case 3:  // the driver takes a free slot (it must not yield), soaking up extra ones
        if (!model_locked() && holders_[kDriver] < 2 + std::max(0L, extra_)) {
          const bool immediate = before_acquire(kDriver);
          const std::uint64_t at = events_;
          co_await sem_->acquire();
          after_acquire(kDriver, immediate, at);
        }
        break;
      case 4:  // the driver gives a slot back, then maybe cancels the woken waiter
        if (holders_[kDriver] > 0) {
          release(kDriver, false);
          if (rng_.chance(0.5)) {
            for (const Entry& e : waiters_) {
              if (e.st == St::woken && !e.cancel_after_wake && e.id >= 0) {
                cancel(e.id);
                break;
              }
            }
          }
        }
        break;
      case 5:  // a release with no matching acquire (a bounded one may refuse)
        if (rng_.chance(Bounded ? 0.3 : 0.08)) release(kDriver, true);
        break;
      default:
        break;
    }
    co_return;
  }

  awaitable<void> drain() override {
    while (holders_[kDriver] > 0) release(kDriver, false);
    co_return;
  }

  void on_cancel(int id) override {
    if (actors_[id].phase == Phase::blocked) count(cancel_entry(find_entry(waiters_, id)));
  }

  void on_actor_end(int id) override {
    check(holders_[id] == 0, who(id) + " ended holding a slot");
    check(find_entry(waiters_, id) == nullptr, who(id) + " ended with a waiter left");
  }

  void check_state() override {
    check(sem_->value() == value_,
          "value() is " + std::to_string(sem_->value()) + ", model says " + std::to_string(value_));
    check(sem_->locked() == model_locked(), std::string("locked() is ") +
                                                (sem_->locked() ? "true" : "false") +
                                                ", model says otherwise");
    long woken = 0;
    for (const Entry& e : waiters_) woken += e.st == St::woken;
    check(value_ >= 0, "negative value");
    check(value_ + held() + woken == initial_ + extra_,
          "slots not conserved: value " + std::to_string(value_) + " + held " +
              std::to_string(held()) + " + set aside " + std::to_string(woken) + " != initial " +
              std::to_string(initial_) + " + extra " + std::to_string(extra_));
    if (Bounded && extra_ <= 0) {
      // Only releases without an acquire (which CPython lets through while the value is
      // below the bound) can push the value past the bound later.
      check(sem_->value() <= initial_, "a BoundedSemaphore's value exceeds its bound");
    }
    std::string expected =
        std::string("<asyncio.locks.") + kKind + " object [" +
        (model_locked() ? std::string("locked") : "unlocked, value:" + std::to_string(value_));
    if (!waiters_.empty()) expected += ", waiters:" + std::to_string(waiters_.size());
    expected += "]>";
    check(repr(*sem_) == expected, "repr " + repr(*sem_) + ", model says " + expected);
  }

  void check_quiescent() override {
    for (const Entry& e : waiters_) {
      check(e.st == St::waiting, who(e.id) + "'s waiter is still " + st_name(e.st) +
                                     " when every task is parked: lost wake-up");
    }
    check(waiters_.empty() || value_ == 0,
          "free slots (" + std::to_string(value_) + ") while tasks wait: lost wake-up");
  }

  void check_final() override {
    check(waiters_.empty() && held() == 0, "slots still held or waited for at the end");
    check(value_ == initial_ + extra_, "the value at the end is not initial + extra");
  }

  std::string describe() const override {
    std::string h;
    for (const auto& [id, k] : holders_) {
      if (k > 0) h += " " + who(id) + (k > 1 ? "x" + std::to_string(k) : "");
    }
    return "value " + std::to_string(value_) + " (initial " + std::to_string(initial_) +
           ", extra " + std::to_string(extra_) + "), holders [" + h + " ], waiters " +
           describe_entries(waiters_, [this](int id) { return who(id); });
  }

  std::unique_ptr<asyncio::Semaphore> sem_;
  long initial_ = 1;
  long value_ = 1;
  long extra_ = 0;  // releases without an acquire, minus holders' releases that were refused
  std::map<int, int> holders_;
  std::deque<Entry> waiters_;
  std::uint64_t events_ = 0;
};

TEST(SemaphoreModelTest, MatchesCPythonModel) {
  run_seeds<SemaphoreModel<false>>(30);
}

TEST(BoundedSemaphoreModelTest, MatchesCPythonModel) {
  run_seeds<SemaphoreModel<true>>(30);
}

// ------------------------------------------------------------------------------------------
// Event. Model: `_value` and the `_waiters` futures. Checks: is_set(); set() wakes every
// waiter, which then returns even if clear() follows before it runs; a waiter returns only
// after a set(); wait() on a set event does not yield; a cancelled wait() raises; no lost
// wake-up.
// ------------------------------------------------------------------------------------------

class EventModel final : public ModelBase {
 public:
  using ModelBase::ModelBase;

 private:
  enum Op { kWait = 1 };

  void set() {
    if (!value_) {
      value_ = true;
      for (Entry& e : waiters_) {
        if (e.st == St::waiting) e.st = St::woken;
      }
    }
    ++events_;
    event_.set();
  }
  void clear() {
    value_ = false;
    ++events_;
    event_.clear();
  }

  awaitable<void> worker(int id) {
    const int rounds = rng_.uniform(1, 5);
    for (int r = 0; r < rounds; ++r) {
      co_await nap(id, rng_.uniform(0, 3));
      ++events_;
      begin_op(id, kWait);
      const bool immediate = value_;
      if (!immediate) waiters_.push_back({id});
      const std::uint64_t at = events_;
      bool result = false;
      try {
        result = co_await event_.wait();
      } catch (const asyncio::CancelledError&) {
        resumed_cancelled(id);
        Entry* e = find_entry(waiters_, id);
        check(!immediate, who(id) + ": a wait() that did not wait raised CancelledError");
        check(e && (e->st == St::cancelled || e->cancel_after_wake),
              who(id) + ": wait() raised CancelledError but its waiter was not cancelled");
        erase_entry(waiters_, id);
        ++events_;
        throw;
      }
      resumed(id);
      check(result, who(id) + ": wait() gave false");
      if (immediate) {
        check(events_ == at, who(id) + ": wait() on a set event yielded");
      } else {
        Entry* e = find_entry(waiters_, id);
        check(e && e->st == St::woken && !e->cancel_after_wake,
              who(id) + ": wait() returned but no set() woke it");
        erase_entry(waiters_, id);
        count(value_ ? "woken" : "woken-though-cleared");
      }
      ++events_;
      end_op(id);
      check_state();
    }
  }

  awaitable<void> act() override {
    switch (rng_.choose({4, 2, 3, 2, 2, 2, 1})) {
      case 0:
        if (can_spawn()) spawn(&EventModel::worker, "w");
        break;
      case 1:
        if (int id = random_live(); id >= 0) cancel(id);
        break;
      case 2:
        if (int id = random_blocked(); id >= 0) arm_timeout(id);
        break;
      case 3:
        set();
        break;
      case 4:
        clear();
        break;
      case 5:  // the woken waiters must return although the flag is down again
        set();
        if (rng_.chance(0.5)) {
          for (const Entry& e : waiters_) {
            if (e.st == St::woken && !e.cancel_after_wake && rng_.chance(0.3)) {
              cancel(e.id);
              break;
            }
          }
        }
        clear();
        break;
      case 6:
        clear();
        set();
        break;
      default:
        break;
    }
    co_return;
  }

  awaitable<void> drain() override {
    set();
    co_return;
  }

  void on_cancel(int id) override {
    if (actors_[id].phase == Phase::blocked) count(cancel_entry(find_entry(waiters_, id)));
  }

  void check_state() override {
    check(event_.is_set() == value_, "is_set() differs from the model");
    std::string expected =
        std::string("<asyncio.locks.Event object [") + (value_ ? "set" : "unset");
    if (!waiters_.empty()) expected += ", waiters:" + std::to_string(waiters_.size());
    expected += "]>";
    check(repr(event_) == expected, "repr " + repr(event_) + ", model says " + expected);
  }

  void check_quiescent() override {
    for (const Entry& e : waiters_) {
      check(e.st == St::waiting, who(e.id) + "'s waiter is still " + st_name(e.st) +
                                     " when every task is parked: lost wake-up");
    }
    check(waiters_.empty() || !value_, "the event is set while tasks wait: lost wake-up");
  }

  void check_final() override { check(waiters_.empty(), "waiters left at the end"); }

  std::string describe() const override {
    return std::string(value_ ? "set" : "unset") + ", waiters " +
           describe_entries(waiters_, [this](int id) { return who(id); });
  }

  asyncio::Event event_;
  bool value_ = false;
  std::deque<Entry> waiters_;
  std::uint64_t events_ = 0;
};

TEST(EventModelTest, MatchesCPythonModel) {
  run_seeds<EventModel>(40);
}

// ------------------------------------------------------------------------------------------
// Condition. Model: the holder of the underlying lock, and the Condition's `_waiters`
// futures with CPython 3.13's `_notify(n)` (the first n not done) and its rule that a wait()
// leaving by an exception passes one notification on. The lock's own queue also holds the
// re-acquires done inside wait(), which no hook sees, so lock fairness is left to
// LockModelTest; here the lock is checked for mutual exclusion and lost wake-ups.
// The condition has its own lock or shares one (Python: Condition(lock)), per seed.
// Checks: notify(n) wakes the n oldest waiting in FIFO order; wait() returns only when
// notified; wait() and wait_for() re-hold the lock when they return *or raise*; one holder;
// notify()/wait() without the lock raise RuntimeError; no lost wake-up.
// ------------------------------------------------------------------------------------------

class ConditionModel final : public ModelBase {
 public:
  explicit ConditionModel(std::uint64_t seed) : ModelBase(seed) {
    if (rng_.chance(0.5)) {
      lock_ = std::make_unique<asyncio::Lock>();  // Python: Condition(lock)
      cond_ = std::make_unique<asyncio::Condition>(*lock_);
    } else {
      cond_ = std::make_unique<asyncio::Condition>();
    }
  }

 private:
  enum Op { kAcquire = 1, kWait = 2 };

  // CPython: Condition._notify(n).
  void model_notify(std::size_t n) {
    std::size_t k = 0;
    for (Entry& e : waiters_) {
      if (k >= n) break;
      if (e.st == St::waiting) {
        e.st = St::woken;
        ++k;
      }
    }
  }
  std::size_t pending() const {
    std::size_t n = 0;
    for (const Entry& e : waiters_) n += e.st == St::waiting;
    return n;
  }

  void took_lock(int id, const char* how) {
    check(holder_ == kNobody,
          who(id) + ": " + how + " while " + who(holder_) + " holds the lock: two holders");
    check(cond_->locked(), who(id) + ": " + how + " but locked() is false");
    holder_ = id;
  }
  void release(int id) {
    check(holder_ == id, who(id) + " releases a lock held by " + who(holder_));
    holder_ = kNobody;
    cond_->release();
    check_state();
  }
  /// Right before wait() (or wait_for()'s inner wait()): it releases and queues.
  void before_wait(int id) {
    check(holder_ == id, who(id) + " waits without holding the lock");
    holder_ = kNobody;
    begin_op(id, kWait);
    waiters_.push_back({id});
  }
  /// Right after wait() returned.
  void wait_returned(int id) {
    resumed(id);
    Entry* e = find_entry(waiters_, id);
    check(e && e->st == St::woken && !e->cancel_after_wake,
          who(id) + ": wait() returned but no notify() woke it");
    erase_entry(waiters_, id);
    took_lock(id, "wait() returned");
    count("wait-returned");
    end_op(id);
  }
  /// wait() raised CancelledError: it holds the lock again and passes a notification on.
  void wait_cancelled(int id) {
    resumed_cancelled(id);
    Entry* e = find_entry(waiters_, id);
    check(e && (e->st == St::cancelled || e->cancel_after_wake),
          who(id) + ": wait() raised CancelledError but the model saw no cancel reach it");
    count(e && e->st == St::woken ? "wait-notified-then-cancelled" : "wait-cancelled");
    erase_entry(waiters_, id);
    took_lock(id, "wait() raised");
    model_notify(1);
    end_op(id);
  }
  void notify(int id, std::size_t n, bool all) {
    check(holder_ == id, who(id) + " notifies without holding the lock");
    if (all) {
      model_notify(waiters_.size());
      cond_->notify_all();
    } else {
      model_notify(n);
      cond_->notify(n);
    }
  }

  awaitable<void> acquire(int id) {
    begin_op(id, kAcquire);
    try {
      co_await cond_->acquire();
    } catch (const asyncio::CancelledError&) {
      resumed_cancelled(id);
      throw;
    }
    resumed(id);
    end_op(id);
    took_lock(id, "acquire() returned");
  }

  awaitable<void> worker(int id) {
    const int rounds = rng_.uniform(1, 4);
    for (int r = 0; r < rounds; ++r) {
      co_await nap(id, rng_.uniform(0, 3));
      co_await acquire(id);
      try {
        for (int k = rng_.uniform(1, 3); k > 0; --k) {
          switch (rng_.choose({4, 2, 2, 1, 2})) {
            case 0: {
              before_wait(id);
              bool result = false;
              try {
                result = co_await cond_->wait();
              } catch (const asyncio::CancelledError&) {
                wait_cancelled(id);
                throw;
              }
              check(result, who(id) + ": wait() gave false");
              wait_returned(id);
              break;
            }
            case 1: {
              // wait_for(): the predicate runs with the lock held, before the first wait()
              // and after each return, so it doubles as the hook around the inner wait().
              bool in_wait = false;
              bool first = true;
              auto pred = [this, id, &in_wait, &first] {
                if (in_wait) wait_returned(id);
                in_wait = false;
                const bool r = rng_.chance(first ? 0.2 : 0.5);
                first = false;
                if (!r) {
                  before_wait(id);
                  in_wait = true;
                }
                return r;
              };
              try {
                const bool result = co_await cond_->wait_for(pred);
                check(result, who(id) + ": wait_for() gave false");
              } catch (const asyncio::CancelledError&) {
                check(in_wait, who(id) + ": wait_for() raised outside wait()");
                wait_cancelled(id);
                throw;
              }
              break;
            }
            case 2:
              notify(id, static_cast<std::size_t>(rng_.uniform(1, 3)), false);
              break;
            case 3:
              notify(id, 0, true);
              break;
            default:
              co_await nap(id, rng_.uniform(0, 2));
              break;
          }
          check_state();
        }
      } catch (const asyncio::CancelledError&) {
        release(id);
        throw;
      }
      release(id);
    }
  }

  awaitable<void> notifier(int id) {
    co_await nap(id, rng_.uniform(0, 1));
    co_await acquire(id);
    try {
      if (rng_.chance(0.4) || draining_) {
        notify(id, 0, true);
      } else {
        notify(id, static_cast<std::size_t>(rng_.uniform(1, 4)), false);
      }
      co_await nap(id, rng_.uniform(0, 2));
    } catch (const asyncio::CancelledError&) {
      release(id);
      throw;
    }
    release(id);
  }

  awaitable<void> act() override {
    switch (rng_.choose({4, 3, 2, 3, 1, 1})) {
      case 0:
        if (can_spawn()) spawn(&ConditionModel::worker, "w");
        break;
      case 1:
        if (can_spawn()) spawn(&ConditionModel::notifier, "n");
        break;
      case 2:
        if (int id = random_live(); id >= 0) cancel(id);
        break;
      case 3:
        if (int id = random_blocked(); id >= 0) arm_timeout(id);
        break;
      case 4:  // notify() without the lock
        if (holder_ == kNobody && !cond_->locked()) {
          try {
            cond_->notify();
            fail("notify() without the lock did not throw");
          } catch (const asyncio::RuntimeError& e) {
            check(std::string(e.what()) == "cannot notify on un-acquired lock",
                  std::string("notify() without the lock: ") + e.what());
          }
        }
        break;
      case 5:  // wait() without the lock: raises before it waits
        if (holder_ == kNobody && !cond_->locked()) {
          try {
            co_await cond_->wait();
            fail("wait() without the lock did not throw");
          } catch (const asyncio::RuntimeError& e) {
            check(std::string(e.what()) == "cannot wait on un-acquired lock",
                  std::string("wait() without the lock: ") + e.what());
          }
        }
        break;
      default:
        break;
    }
    co_return;
  }

  awaitable<void> drain() override {
    if (count_blocked(kWait) > 0) spawn(&ConditionModel::notifier, "n");
    co_return;
  }

  void on_cancel(int id) override {
    const Actor& a = actors_[id];
    if (a.phase == Phase::blocked && a.op == kWait) count(cancel_entry(find_entry(waiters_, id)));
  }

  void on_actor_end(int id) override {
    check(holder_ != id, who(id) + " ended holding the lock");
    check(find_entry(waiters_, id) == nullptr, who(id) + " ended with a waiter left");
  }

  /// A cancelled waiter re-acquires the lock before it raises: it may wait for a holder.
  bool cancel_may_linger(const Actor& a) const override {
    return a.phase == Phase::blocked && holder_ != kNobody;
  }

  void check_state() override {
    check(cond_->locked() == (holder_ != kNobody), std::string("locked() is ") +
                                                       (cond_->locked() ? "true" : "false") +
                                                       ", model says held by " + who(holder_));
    if (lock_) check(lock_->locked() == cond_->locked(), "the shared Lock disagrees");
  }

  void check_quiescent() override {
    // Woken and cancelled waiters have left the Condition's list by now; the rest wait.
    std::string expected = std::string("<asyncio.locks.Condition object [") +
                           (holder_ != kNobody ? "locked" : "unlocked");
    if (pending() > 0) expected += ", waiters:" + std::to_string(pending());
    expected += "]>";
    check(repr(*cond_) == expected, "repr " + repr(*cond_) + ", model says " + expected);
    if (holder_ == kNobody) {
      for (std::size_t i = 0; i < actors_.size(); ++i) {
        const Actor& a = actors_[i];
        if (a.phase != Phase::blocked) continue;
        if (a.op == kAcquire) {
          fail(a.name + " waits in acquire() while the lock is free: lost wake-up");
        } else if (const Entry* e = find_entry(waiters_, static_cast<int>(i));
                   e && e->st != St::waiting) {
          fail(a.name + " was " + st_name(e->st) +
               " in wait() but has not re-acquired the free lock: lost wake-up");
        }
      }
    }
  }

  void check_final() override {
    check(holder_ == kNobody && waiters_.empty(), "lock held or waiters left at the end");
    check(!cond_->locked(), "locked() at the end");
  }

  std::string describe() const override {
    return "lock held by " + who(holder_) + ", waiters " +
           describe_entries(waiters_, [this](int id) { return who(id); });
  }

  std::unique_ptr<asyncio::Lock> lock_;  // declared first: it outlives the condition
  std::unique_ptr<asyncio::Condition> cond_;
  int holder_ = kNobody;
  std::deque<Entry> waiters_;
};

TEST(ConditionModelTest, MatchesCPythonModel) {
  run_seeds<ConditionModel>(30);
}

// ------------------------------------------------------------------------------------------
// Queue, LifoQueue, PriorityQueue, mostly with a maxsize. Model: the items in store order, the
// unfinished-task count, the shutdown flag, and where every item is (carried by a blocked
// putter, queued, gotten, dropped by shutdown(immediate), rejected).
// Checks: each get() / get_nowait() yields exactly the item CPython's `_get` would (FIFO,
// LIFO, smallest); items are conserved (a cancelled get loses none, a cancelled put adds
// none); QueueFull, QueueEmpty, QueueShutDown and task_done()'s ValueError exactly when
// CPython raises them; join() returns only after the count reached 0; qsize/full/empty and
// the repr; no getter blocked on a non-empty queue, no putter on a non-full one, nobody
// blocked after shutdown: no lost wake-up.
// ------------------------------------------------------------------------------------------

enum class QueueKind { fifo, lifo, priority };

template <QueueKind Kind>
class QueueModel final : public ModelBase {
 public:
  explicit QueueModel(std::uint64_t seed) : ModelBase(seed) {
    maxsize_ = rng_.chance(0.1) ? 0 : rng_.uniform(1, 4);  // 0: unbounded
    q_ = std::make_unique<Q>(maxsize_);
    const int r = rng_.uniform(0, 9);
    // Counted in driver actions (about 2.5 per step): late in the run, or not at all.
    shutdown_step_ = r < 3 ? -1 : rng_.uniform(steps_ * 3 / 2, steps_ * 3);
  }

 private:
  using Item = std::int64_t;
  using Q = std::conditional_t<Kind == QueueKind::fifo, asyncio::Queue<Item>,
                               std::conditional_t<Kind == QueueKind::lifo, asyncio::LifoQueue<Item>,
                                                  asyncio::PriorityQueue<Item>>>;
  static constexpr const char* kName = Kind == QueueKind::fifo   ? "Queue"
                                       : Kind == QueueKind::lifo ? "LifoQueue"
                                                                 : "PriorityQueue";
  enum Op { kPut = 1, kGet = 2, kJoin = 3 };
  enum class Where { carried, queued, gotten, dropped, rejected };

  std::size_t size() const { return items_.size(); }
  bool full() const { return maxsize_ > 0 && size() >= static_cast<std::size_t>(maxsize_); }
  bool empty() const { return items_.empty(); }

  Item new_item() {
    ++serial_;
    // Priority items get a random order; the serial keeps them unique.
    const Item v = Kind == QueueKind::priority
                       ? static_cast<Item>(rng_.next() % 1000000) * 1000000 + serial_
                       : serial_;
    where_[v] = Where::carried;
    return v;
  }
  void model_put(Item v) {
    if (Kind == QueueKind::priority) {
      items_.insert(std::upper_bound(items_.begin(), items_.end(), v), v);
    } else {
      items_.push_back(v);
    }
    where_[v] = Where::queued;
    ++unfinished_;
  }
  /// CPython's `_get` for this kind.
  Item model_get() {
    Item v;
    if (Kind == QueueKind::lifo) {
      v = items_.back();
      items_.pop_back();
    } else {
      v = items_.front();  // FIFO front, or the smallest (items_ is sorted)
      items_.pop_front();
    }
    where_[v] = Where::gotten;
    return v;
  }
  void count_reached_zero() {
    for (auto& [id, released] : joiners_) released = true;
  }
  void model_task_done() {
    if (--unfinished_ == 0) count_reached_zero();
  }

  /// A put() or put_nowait() that succeeded: the item is in the queue now.
  void put_succeeded(int id, Item v) {
    check(!shutdown_, who(id) + ": put succeeded on a shut-down queue");
    check(!full(), who(id) + ": put succeeded on a full queue");
    check(where_[v] == Where::carried, who(id) + ": item put twice");
    model_put(v);
    check_state();
  }
  /// A get() or get_nowait() that returned `v`.
  void get_succeeded(int id, Item v) {
    if (empty()) {
      fail(who(id) + ": got " + std::to_string(v) + " from an empty queue");
      return;
    }
    const Item expected = model_get();
    check(v == expected, who(id) + ": got " + std::to_string(v) + ", CPython's order gives " +
                             std::to_string(expected));
    check_state();
  }

  void put_nowait(int id) {
    const Item v = new_item();
    try {
      q_->put_nowait(v);
      put_succeeded(id, v);
    } catch (const asyncio::QueueShutDown&) {
      check(shutdown_, who(id) + ": put_nowait() raised QueueShutDown before shutdown()");
      where_[v] = Where::rejected;
    } catch (const asyncio::QueueFull&) {
      check(!shutdown_ && full(), who(id) + ": put_nowait() raised QueueFull wrongly");
      where_[v] = Where::rejected;
    }
  }
  void get_nowait(int id, int* owed) {
    try {
      const Item v = q_->get_nowait();
      get_succeeded(id, v);
      if (owed) ++*owed;
    } catch (const asyncio::QueueShutDown&) {
      check(shutdown_ && empty(), who(id) + ": get_nowait() raised QueueShutDown wrongly");
    } catch (const asyncio::QueueEmpty&) {
      check(!shutdown_ && empty(), who(id) + ": get_nowait() raised QueueEmpty wrongly");
    }
  }
  void task_done(int id) {
    const bool refuse = unfinished_ == 0;
    try {
      q_->task_done();
      check(!refuse, who(id) + ": task_done() with no unfinished task did not throw");
      if (!refuse) model_task_done();
    } catch (const asyncio::ValueError& e) {
      check(refuse, who(id) + ": task_done() raised " + e.what() + " with " +
                        std::to_string(unfinished_) + " unfinished");
      check(std::string(e.what()) == "task_done() called too many times",
            std::string("task_done(): ") + e.what());
    }
  }
  void shutdown(bool immediate) {
    count(immediate ? "shutdown-immediate" : "shutdown");
    shutdown_ = true;
    if (immediate) {
      // CPython: drop the items, each counted as done (never below zero).
      for (Item v : items_) {
        where_[v] = Where::dropped;
        if (unfinished_ > 0) --unfinished_;
      }
      items_.clear();
      if (unfinished_ == 0) count_reached_zero();
    }
    q_->shutdown(immediate);
    check_state();
  }

  awaitable<void> put(int id) {
    const Item v = new_item();
    begin_op(id, kPut);
    try {
      co_await q_->put(v);
    } catch (const asyncio::CancelledError&) {
      resumed_cancelled(id);
      count("put-cancelled");
      where_[v] = Where::rejected;
      check_state();  // a cancelled put adds nothing
      throw;
    } catch (const asyncio::QueueShutDown&) {
      resumed(id);
      check(shutdown_, who(id) + ": put() raised QueueShutDown before shutdown()");
      count("put-shut-down");
      where_[v] = Where::rejected;
      end_op(id);
      co_return;
    }
    resumed(id);
    end_op(id);
    put_succeeded(id, v);
  }
  awaitable<void> get(int id, int& owed) {
    begin_op(id, kGet);
    Item v = 0;
    try {
      v = co_await q_->get();
    } catch (const asyncio::CancelledError&) {
      resumed_cancelled(id);
      count("get-cancelled");
      check_state();  // a cancelled get loses nothing
      throw;
    } catch (const asyncio::QueueShutDown&) {
      resumed(id);
      check(shutdown_ && empty(), who(id) + ": get() raised QueueShutDown wrongly");
      count("get-shut-down");
      end_op(id);
      co_return;
    }
    resumed(id);
    end_op(id);
    count("get-returned");
    get_succeeded(id, v);
    ++owed;
  }
  awaitable<void> join(int id) {
    begin_op(id, kJoin);
    joiners_[id] = unfinished_ == 0;
    bool result = false;
    try {
      result = co_await q_->join();
    } catch (const asyncio::CancelledError&) {
      resumed_cancelled(id);
      joiners_.erase(id);
      throw;
    }
    resumed(id);
    check(result, who(id) + ": join() gave false");
    check(joiners_[id], who(id) + ": join() returned but the unfinished count never reached 0");
    count("join-returned");
    joiners_.erase(id);
    end_op(id);
  }

  /// role 0: producer, 1: consumer, 2: a mix with join().
  awaitable<void> worker_role(int id, int role) {
    int owed = 0;  // task_done() calls for the items this worker got
    const int rounds = rng_.uniform(1, 6);
    for (int r = 0; r < rounds; ++r) {
      co_await nap(id, rng_.uniform(0, 3));
      const int op = role == 0   ? rng_.choose({6, 0, 2, 1, 0, 1})
                     : role == 1 ? rng_.choose({0, 6, 0, 2, 2, 1})
                                 : rng_.choose({3, 3, 1, 1, 2, 2});
      switch (op) {
        case 0:
          co_await put(id);
          break;
        case 1:
          co_await get(id, owed);
          break;
        case 2:
          put_nowait(id);
          break;
        case 3:
          get_nowait(id, &owed);
          break;
        case 4:
          if (owed > 0) {
            --owed;
            task_done(id);
          }
          break;
        default:
          co_await join(id);
          break;
      }
    }
    // Most workers finish their items; the driver's task_done() makes up for the others.
    if (rng_.chance(0.8)) {
      for (; owed > 0; --owed) task_done(id);
    }
  }
  awaitable<void> producer(int id) { return worker_role(id, 0); }
  awaitable<void> consumer(int id) { return worker_role(id, 1); }
  awaitable<void> mixed(int id) { return worker_role(id, 2); }

  void spawn_worker() {
    switch (rng_.uniform(0, 2)) {
      case 0:
        spawn(&QueueModel::producer, "p");
        break;
      case 1:
        spawn(&QueueModel::consumer, "c");
        break;
      default:
        spawn(&QueueModel::mixed, "m");
        break;
    }
  }

  awaitable<void> act() override {
    if (step_++ == shutdown_step_) {
      shutdown(rng_.chance(0.5));
      co_return;
    }
    switch (rng_.choose({5, 2, 3, 1, 1, 1})) {
      case 0:
        if (can_spawn()) spawn_worker();
        break;
      case 1:
        if (int id = random_live(); id >= 0) cancel(id);
        break;
      case 2:
        if (int id = random_blocked(); id >= 0) arm_timeout(id);
        break;
      case 3:
        put_nowait(kDriver);
        break;
      case 4:
        get_nowait(kDriver, nullptr);
        break;
      case 5:
        if (unfinished_ > 0 || rng_.chance(0.2)) task_done(kDriver);
        break;
      default:
        break;
    }
    co_return;
  }

  awaitable<void> drain() override {
    // Unblock whoever is stuck, the way a well-behaved program would.
    if (count_blocked(kGet) > 0 && empty() && !shutdown_) put_nowait(kDriver);
    if (count_blocked(kPut) > 0 && full()) get_nowait(kDriver, nullptr);
    if (count_blocked(kJoin) > 0 && unfinished_ > 0) {
      // Take what is queued and finish every task: join() must then return.
      while (!empty()) get_nowait(kDriver, nullptr);
      while (unfinished_ > 0) task_done(kDriver);
    }
    co_return;
  }

  std::string expected_repr() const {
    std::string s = std::string("<") + kName + " maxsize=" + std::to_string(maxsize_);
    if (!empty() && Kind != QueueKind::priority) {
      s += " _queue=[";
      for (std::size_t i = 0; i < items_.size(); ++i) {
        s += (i ? ", " : "") + std::to_string(items_[i]);
      }
      s += "]";
    }
    if (int n = count_blocked(kGet); n > 0) s += " _getters[" + std::to_string(n) + "]";
    if (int n = count_blocked(kPut); n > 0) s += " _putters[" + std::to_string(n) + "]";
    if (unfinished_ > 0) s += " tasks=" + std::to_string(unfinished_);
    if (shutdown_) s += " shutdown";
    return s + ">";
  }
  std::string actual_repr() const {
    std::string s = repr(*q_);
    if (Kind == QueueKind::priority) {
      // The heap's layout is the store's business: compare everything else.
      if (auto b = s.find(" _queue=["); b != std::string::npos) {
        s.erase(b, s.find(']', b) + 1 - b);
      }
    }
    return s;
  }

  void check_state() override {
    check(q_->qsize() == size(),
          "qsize() is " + std::to_string(q_->qsize()) + ", model says " + std::to_string(size()));
    check(q_->full() == full() && q_->empty() == empty(), "full()/empty() differ from the model");
    check(q_->maxsize() == maxsize_, "maxsize() changed");
  }

  void check_quiescent() override {
    check(actual_repr() == expected_repr(),
          "repr " + actual_repr() + ", model says " + expected_repr());
    for (std::size_t i = 0; i < actors_.size(); ++i) {
      const Actor& a = actors_[i];
      if (a.phase != Phase::blocked) continue;
      if (a.op == kGet) {
        check(empty() && !shutdown_, a.name + " is blocked in get() on a " +
                                         (shutdown_ ? "shut-down" : "non-empty") +
                                         " queue: lost wake-up");
      } else if (a.op == kPut) {
        check(full() && !shutdown_, a.name + " is blocked in put() on a " +
                                        (shutdown_ ? "shut-down" : "non-full") +
                                        " queue: lost wake-up");
      } else if (a.op == kJoin) {
        const auto it = joiners_.find(static_cast<int>(i));
        check(unfinished_ > 0 && it != joiners_.end() && !it->second,
              a.name + " is blocked in join() after the count reached 0: lost wake-up");
      }
    }
  }

  void check_final() override {
    if (rng_.chance(0.5) && !shutdown_) shutdown(true);
    std::map<Where, std::size_t> n;
    for (const auto& [v, w] : where_) ++n[w];
    check(n[Where::carried] == 0, "items still carried by a putter at the end");
    check(n[Where::queued] == size() && q_->qsize() == size(),
          "queued items differ from qsize() at the end");
    check(n[Where::carried] + n[Where::queued] + n[Where::gotten] + n[Where::dropped] +
                  n[Where::rejected] ==
              static_cast<std::size_t>(serial_),
          "items not conserved");
    check(joiners_.empty(), "joiners left at the end");
  }

  std::string describe() const override {
    std::string s = std::string(kName) + " maxsize " + std::to_string(maxsize_) + ", items [";
    for (std::size_t i = 0; i < items_.size(); ++i) {
      s += (i ? " " : "") + std::to_string(items_[i]);
    }
    s += "], unfinished " + std::to_string(unfinished_) + (shutdown_ ? ", shut down" : "") +
         ", blocked:";
    for (const Actor& a : actors_) {
      if (a.phase == Phase::blocked) {
        s += " " + a.name + (a.op == kPut ? "(put)" : a.op == kGet ? "(get)" : "(join)");
      }
    }
    return s;
  }

  std::unique_ptr<Q> q_;
  long maxsize_ = 1;
  std::deque<Item> items_;  // store order; kept sorted for the priority queue
  std::size_t unfinished_ = 0;
  bool shutdown_ = false;
  Item serial_ = 0;
  std::map<Item, Where> where_;
  std::map<int, bool> joiners_;  // blocked in join(): whether the count has reached 0 since
  int shutdown_step_ = -1;
  int step_ = 0;
};

TEST(QueueModelTest, MatchesCPythonModel) {
  run_seeds<QueueModel<QueueKind::fifo>>(30);
}

TEST(LifoQueueModelTest, MatchesCPythonModel) {
  run_seeds<QueueModel<QueueKind::lifo>>(20);
}

TEST(PriorityQueueModelTest, MatchesCPythonModel) {
  run_seeds<QueueModel<QueueKind::priority>>(20);
}

// ------------------------------------------------------------------------------------------
// Barrier. Its waits happen inside a Condition, out of the hooks' sight, so this model
// checks properties rather than each transition. Checks: indices in [0, parties); a task
// other than the one that fills the barrier (index parties-1) returns only after a later
// filling; each filling releases parties-1 others (fewer only when they were cancelled or
// broken after it); at quiescent points the barrier is filling with n_waiting() == the tasks
// blocked in wait() (< parties), or broken with none; BrokenBarrierError only after reset()
// or abort(); after abort() no wait() succeeds. Without cancellations or resets, each index
// is handed out exactly once per filling.
// ------------------------------------------------------------------------------------------

class BarrierModel final : public ModelBase {
 public:
  explicit BarrierModel(std::uint64_t seed) : ModelBase(seed) {
    parties_ = rng_.uniform(2, 5);
    barrier_ = std::make_unique<asyncio::Barrier>(static_cast<std::size_t>(parties_));
    exact_ = rng_.chance(0.4);
    drain_by_abort_ = rng_.chance(0.5);
    index_count_.assign(static_cast<std::size_t>(parties_), 0);
  }

 private:
  enum Op { kWait = 1 };
  struct Call {
    long triggers;
    long resets;
  };

  void failed_wait(const Call& call) {
    if (triggers_ > call.triggers) ++excused_;  // may have been released, then stopped
  }

  awaitable<void> wait_once(int id) {
    begin_op(id, kWait);
    const Call call{triggers_, resets_done_};
    std::size_t index = 0;
    try {
      index = co_await barrier_->wait();
    } catch (const asyncio::CancelledError&) {
      resumed_cancelled(id);
      failed_wait(call);
      throw;
    } catch (const asyncio::BrokenBarrierError&) {
      resumed(id);
      check(aborted_ || resets_done_ > call.resets,
            who(id) + ": BrokenBarrierError without a reset() or abort() since wait()");
      count(aborted_ ? "broken-by-abort" : "broken-by-reset");
      failed_wait(call);
      end_op(id);
      co_return;
    }
    resumed(id);
    end_op(id);
    check(!aborted_, who(id) + ": wait() succeeded after abort()");
    if (index >= static_cast<std::size_t>(parties_)) {
      fail(who(id) + ": index " + std::to_string(index) + " out of range");
      co_return;
    }
    ++index_count_[index];
    if (static_cast<int>(index) == parties_ - 1) {
      count("filled");
      ++triggers_;
    } else {
      check(triggers_ > call.triggers,
            who(id) + ": wait() returned index " + std::to_string(index) +
                " although the barrier has not filled since it was called");
      ++released_;
      check(released_ <= (parties_ - 1) * triggers_, "more tasks released than the fillings allow");
    }
  }

  awaitable<void> worker(int id) {
    const int rounds = rng_.uniform(1, 5);
    for (int r = 0; r < rounds; ++r) {
      co_await nap(id, rng_.uniform(0, 3));
      co_await wait_once(id);
    }
  }
  awaitable<void> filler(int id) { co_await wait_once(id); }

  awaitable<void> act() override {
    switch (rng_.choose({5, exact_ ? 0 : 2, exact_ ? 0 : 3, exact_ ? 0 : 1})) {
      case 0:
        if (can_spawn()) spawn(&BarrierModel::worker, "w");
        break;
      case 1:
        if (int id = random_live(); id >= 0) cancel(id);
        break;
      case 2:
        if (int id = random_blocked(); id >= 0) arm_timeout(id);
        break;
      case 3:
        if (rng_.chance(0.3)) {
          co_await barrier_->reset();
          ++resets_done_;
        }
        break;
      default:
        break;
    }
  }

  awaitable<void> drain() override {
    if (drain_by_abort_) {
      if (!aborted_) {
        co_await barrier_->abort();
        aborted_ = true;
      }
      co_return;
    }
    // Fill the barrier for the tasks already waiting.
    const int waiting = count_blocked(kWait);
    if (waiting > 0) {
      for (int k = waiting; k < parties_; ++k) spawn(&BarrierModel::filler, "f");
    }
  }

  void check_state() override {
    check(barrier_->parties() == static_cast<std::size_t>(parties_), "parties() changed");
    check(barrier_->broken() == aborted_,
          std::string("broken() is ") + (barrier_->broken() ? "true" : "false"));
  }

  void check_quiescent() override {
    const int waiting = count_blocked(kWait);
    if (aborted_) {
      check(waiting == 0, "tasks still wait at an aborted barrier: lost wake-up");
      check(repr(*barrier_) == "<asyncio.locks.Barrier object [broken]>",
            "repr " + repr(*barrier_));
    } else {
      const std::string expected =
          "<asyncio.locks.Barrier object [filling, waiters:" + std::to_string(waiting) + "/" +
          std::to_string(parties_) + "]>";
      check(repr(*barrier_) == expected, "repr " + repr(*barrier_) + ", model says " + expected);
      check(barrier_->n_waiting() == static_cast<std::size_t>(waiting),
            "n_waiting() differs from the tasks blocked in wait()");
      check(waiting < parties_, "a full barrier did not release: lost wake-up");
      check(released_ + excused_ >= (parties_ - 1) * triggers_,
            "released tasks did not return: " + std::to_string(released_) + " returned (+" +
                std::to_string(excused_) + " cancelled or broken) of " +
                std::to_string((parties_ - 1) * triggers_));
      if (exact_) {
        for (int i = 0; i < parties_; ++i) {
          check(index_count_[static_cast<std::size_t>(i)] == triggers_,
                "index " + std::to_string(i) + " handed out " +
                    std::to_string(index_count_[static_cast<std::size_t>(i)]) + " times in " +
                    std::to_string(triggers_) + " fillings");
        }
      }
    }
  }

  std::string describe() const override {
    return "parties " + std::to_string(parties_) + (exact_ ? " (exact)" : "") + ", fillings " +
           std::to_string(triggers_) + ", released " + std::to_string(released_) + ", excused " +
           std::to_string(excused_) + ", resets " + std::to_string(resets_done_) +
           (aborted_ ? ", aborted" : "") + ", blocked " + std::to_string(count_blocked(kWait)) +
           ", repr " + repr(*barrier_);
  }

  std::unique_ptr<asyncio::Barrier> barrier_;
  int parties_ = 2;
  bool exact_ = false;  // no cancellations, no resets: indices are exact
  bool drain_by_abort_ = false;
  long triggers_ = 0;  // wait() calls that returned parties-1 (filled the barrier)
  long released_ = 0;  // wait() calls that returned another index
  long excused_ = 0;   // failed wait() calls that a filling may have released
  long resets_done_ = 0;
  bool aborted_ = false;
  std::vector<long> index_count_;
};

TEST(BarrierModelTest, MatchesCPythonModel) {
  run_seeds<BarrierModel>(30);
}

}  // namespace
