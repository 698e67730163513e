// C++ only (no CPython twin): the slab allocator behind task states, futures and callbacks.
// It is tested directly because the library turns it off under the sanitizers; these tests
// run under them too (ThreadSanitizer runs the ones named "Thread").
#include <asyncio/detail/pool.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <utility>
#include <vector>

namespace {

using asyncio::detail::SlabPool;

struct Block {
  void* p;
  std::size_t size;
  unsigned char tag;
};

Block take(std::size_t size, unsigned char tag) {
  void* p = SlabPool::allocate(size);
  std::memset(p, tag, size);
  return {p, size, tag};
}

// The block still holds what was written into it: no other block overlaps it.
bool intact(const Block& b) {
  const auto* bytes = static_cast<const unsigned char*>(b.p);
  for (std::size_t i = 0; i < b.size; ++i) {
    if (bytes[i] != b.tag) return false;
  }
  return true;
}

TEST(SlabPoolTest, BlocksAreDistinctAlignedAndKeepTheirContents) {
  std::vector<Block> blocks;
  for (int i = 0; i < 2000; ++i) {
    blocks.push_back(take(16 + (i % 31) * 16, static_cast<unsigned char>(i)));
  }
  for (const Block& b : blocks) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.p) % 16, 0u);
    EXPECT_TRUE(intact(b));
  }
  for (const Block& b : blocks) SlabPool::deallocate(b.p);
}

TEST(SlabPoolTest, AFreedBlockIsReusedFirst) {
  void* a = SlabPool::allocate(176);
  SlabPool::deallocate(a);
  void* b = SlabPool::allocate(176);
  EXPECT_EQ(a, b);
  SlabPool::deallocate(b);
}

TEST(SlabPoolTest, SlabsWhoseBlocksAreAllBackAreReturned) {
  const std::size_t before = SlabPool::slabs_held();
  std::vector<void*> blocks;
  for (int i = 0; i < 5000; ++i) blocks.push_back(SlabPool::allocate(192));  // ~15 slabs
  EXPECT_GE(SlabPool::slabs_held(), before + 10);
  for (void* p : blocks) SlabPool::deallocate(p);
  // Only the slab the class allocates from is kept.
  EXPECT_LE(SlabPool::slabs_held(), before + 1);
}

TEST(SlabPoolTest, FreeingInAnyOrderThenReusing) {
  std::mt19937 rng(12345);
  std::vector<Block> live;
  for (int step = 0; step < 100000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      live.push_back(take(1 + rng() % 496, static_cast<unsigned char>(step)));
    } else {
      const std::size_t i = rng() % live.size();
      ASSERT_TRUE(intact(live[i])) << "step " << step;
      SlabPool::deallocate(live[i].p);
      live[i] = live.back();
      live.pop_back();
    }
  }
  for (const Block& b : live) {
    ASSERT_TRUE(intact(b));
    SlabPool::deallocate(b.p);
  }
}

TEST(SlabPoolTest, ThreadFreesBlocksOfAnotherThread) {
  std::vector<Block> handed;
  std::thread producer([&] {
    for (int i = 0; i < 3000; ++i) handed.push_back(take(176, static_cast<unsigned char>(i)));
    // Keep allocating after handing out: the slabs are still this thread's.
    std::vector<void*> more;
    for (int i = 0; i < 3000; ++i) more.push_back(SlabPool::allocate(176));
    for (void* p : more) SlabPool::deallocate(p);
  });
  producer.join();
  // The producer has exited; its slabs go when their last block does.
  for (const Block& b : handed) {
    EXPECT_TRUE(intact(b));
    SlabPool::deallocate(b.p);
  }
}

TEST(SlabPoolTest, ThreadsFreeEachOthersBlocksWhileBothRun) {
  constexpr int kBlocks = 20000;
  std::vector<void*> from_a(kBlocks), from_b(kBlocks);
  std::thread a([&] {
    for (auto& p : from_a) p = SlabPool::allocate(64);
  });
  std::thread b([&] {
    for (auto& p : from_b) p = SlabPool::allocate(64);
  });
  a.join();
  b.join();
  std::thread c([&] {
    for (void* p : from_a) SlabPool::deallocate(p);
  });
  std::thread d([&] {
    for (void* p : from_b) SlabPool::deallocate(p);
  });
  c.join();
  d.join();
}

TEST(SlabPoolTest, ThreadExitsWhileOthersStillFree) {
  // The owner's exit and the last remote free race: exactly one of them frees the slab.
  for (int round = 0; round < 50; ++round) {
    std::vector<void*> blocks(500);
    std::atomic<bool> ready{false};
    std::thread owner([&] {
      for (auto& p : blocks) p = SlabPool::allocate(48);
      ready.store(true, std::memory_order_release);
    });  // exits right away, while the freer works
    std::thread freer([&] {
      while (!ready.load(std::memory_order_acquire)) std::this_thread::yield();
      for (void* p : blocks) SlabPool::deallocate(p);
    });
    owner.join();
    freer.join();
  }
}

}  // namespace
