#pragma once
// The loop's ready queue and timer heap. Not API.

#include <asyncio/detail/delay.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace asyncio::detail {

/// A unit of work in the loop's ready queue. Intrusive: whoever schedules work embeds one,
/// so a hop between tasks allocates nothing.
struct ReadyNode {
  enum class Action : std::uint8_t { run, discard };

  ReadyNode* next = nullptr;
  /// Runs the work, or (at loop teardown) releases it without running.
  void (*fn)(ReadyNode*, Action) = nullptr;
};

/// FIFO of ReadyNodes. Python: `loop._ready`.
class ReadyQueue {
 public:
  void push(ReadyNode* n) noexcept {
    n->next = nullptr;
    *tail_ = n;
    tail_ = &n->next;
    ++size_;
  }
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }

  /// Detaches everything queued now; what is pushed afterwards waits for the next batch,
  /// as Python's `ntodo = len(self._ready)` does.
  ReadyNode* take_all() noexcept {
    ReadyNode* h = head_;
    head_ = nullptr;
    tail_ = &head_;
    size_ = 0;
    return h;
  }

 private:
  ReadyNode* head_ = nullptr;
  ReadyNode** tail_ = &head_;
  std::size_t size_ = 0;
};

/// A deadline in the loop's timer heap. Python: `TimerHandle` in `loop._scheduled`.
struct TimerNode : ReadyNode {
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::int64_t when = 0;  // loop clock, nanoseconds
  std::uint64_t seq = 0;  // equal deadlines fire in scheduling order
  std::size_t heap_index = npos;

  bool scheduled() const noexcept { return heap_index != npos; }
};

/// Binary min-heap on (when, seq) that knows each node's slot, so cancelling a timer
/// removes it at once instead of leaving a tombstone behind.
class TimerHeap {
 public:
  bool empty() const noexcept { return nodes_.empty(); }
  std::size_t size() const noexcept { return nodes_.size(); }
  TimerNode* top() const noexcept { return nodes_.front(); }

  void push(TimerNode* n, std::int64_t when) {
    n->when = when;
    n->seq = next_seq_++;
    n->heap_index = nodes_.size();
    nodes_.push_back(n);
    sift_up(n->heap_index);
  }

  TimerNode* pop() noexcept {
    TimerNode* n = nodes_.front();
    erase(n);
    return n;
  }

  void erase(TimerNode* n) noexcept {
    std::size_t i = n->heap_index;
    n->heap_index = TimerNode::npos;
    TimerNode* last = nodes_.back();
    nodes_.pop_back();
    if (i == nodes_.size()) return;
    nodes_[i] = last;
    last->heap_index = i;
    sift_down(i);
    sift_up(last->heap_index);
  }

  /// Removes every node without running it (loop teardown).
  std::vector<TimerNode*> take_all() noexcept {
    for (TimerNode* n : nodes_) n->heap_index = TimerNode::npos;
    std::vector<TimerNode*> out;
    out.swap(nodes_);
    return out;
  }

 private:
  static bool less(const TimerNode* a, const TimerNode* b) noexcept {
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
  }
  void place(std::size_t i, TimerNode* n) noexcept {
    nodes_[i] = n;
    n->heap_index = i;
  }
  void sift_up(std::size_t i) noexcept {
    TimerNode* n = nodes_[i];
    while (i > 0) {
      std::size_t parent = (i - 1) / 2;
      if (!less(n, nodes_[parent])) break;
      place(i, nodes_[parent]);
      i = parent;
    }
    place(i, n);
  }
  void sift_down(std::size_t i) noexcept {
    TimerNode* n = nodes_[i];
    const std::size_t count = nodes_.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= count) break;
      if (child + 1 < count && less(nodes_[child + 1], nodes_[child])) ++child;
      if (!less(nodes_[child], n)) break;
      place(i, nodes_[child]);
      i = child;
    }
    place(i, n);
  }

  std::vector<TimerNode*> nodes_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace asyncio::detail
