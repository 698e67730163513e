// C++ only (no CPython twin): the slab allocator behind task states, futures and callbacks.
// It is tested directly because the library turns it off under the sanitizers; these tests
// run under them too (ThreadSanitizer runs the ones named "Thread").
#include <asyncio/detail/pool.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
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
  // Two threads each allocate blocks, then, both still running (a barrier keeps each alive
  // until the other is done), free each other's: remote frees into slabs whose owner is
  // alive and allocating.
  constexpr int kBlocks = 20000;
  constexpr std::size_t kSize = 64;
  // What each thread saw, checked on the main thread.
  struct Seen {
    std::vector<Block> own;
    std::size_t slabs_after_allocating = 0;
    std::size_t slabs_after_remote_frees = 0;
    bool others_intact = true;  // the other thread's blocks, when this one freed them
    bool own_reuse_intact = true;
  };
  Seen a, b;
  std::barrier sync(2);
  auto run = [&](Seen& self, Seen& other, unsigned char tag) {
    for (int i = 0; i < kBlocks; ++i) self.own.push_back(take(kSize, tag));
    self.slabs_after_allocating = SlabPool::slabs_held();
    sync.arrive_and_wait();  // both have allocated
    for (const Block& blk : other.own) {
      self.others_intact = self.others_intact && intact(blk);
      SlabPool::deallocate(blk.p);
    }
    sync.arrive_and_wait();  // both have freed the other's blocks, and both still run
    // A remote free only counts the block: the owner keeps its slabs, and they stay usable.
    self.slabs_after_remote_frees = SlabPool::slabs_held();
    std::vector<Block> more;
    for (int i = 0; i < kBlocks; ++i) more.push_back(take(kSize, static_cast<unsigned char>(~tag)));
    for (const Block& blk : more) {
      self.own_reuse_intact = self.own_reuse_intact && intact(blk);
      SlabPool::deallocate(blk.p);
    }
    sync.arrive_and_wait();  // neither exits (and hands its slabs over) before both are done
  };
  std::thread ta([&] { run(a, b, 0xA1); });
  std::thread tb([&] { run(b, a, 0xB2); });
  ta.join();
  tb.join();

  EXPECT_TRUE(a.others_intact);
  EXPECT_TRUE(b.others_intact);
  EXPECT_TRUE(a.own_reuse_intact);
  EXPECT_TRUE(b.own_reuse_intact);
  // 20000 blocks of 64 bytes fill at least 19 slabs of 64 KiB.
  const std::size_t min_slabs = kBlocks * kSize / SlabPool::kSlabSize;
  EXPECT_GE(a.slabs_after_allocating, min_slabs);
  EXPECT_GE(b.slabs_after_allocating, min_slabs);
  EXPECT_EQ(a.slabs_after_remote_frees, a.slabs_after_allocating);
  EXPECT_EQ(b.slabs_after_remote_frees, b.slabs_after_allocating);
  // Allocated concurrently, no block of one thread is a block of the other.
  std::set<void*> all;
  for (const Block& blk : a.own) all.insert(blk.p);
  for (const Block& blk : b.own) all.insert(blk.p);
  EXPECT_EQ(all.size(), 2u * kBlocks);
}

TEST(SlabPoolTest, ThreadExitsWhileOthersStillFree) {
  // The owner's exit and the remote frees of its blocks overlap: the slab outlives its
  // owner while blocks are out, and exactly one of them (the exit or the last free) frees
  // it (a double free or a leak shows under the sanitizers). In even rounds the owner has
  // surely exited before the second half is freed; in odd rounds its exit races the frees.
  constexpr std::size_t kBlocks = 500;
  for (int round = 0; round < 50; ++round) {
    std::vector<Block> blocks;
    std::atomic<bool> ready{false};
    std::atomic<bool> owner_gone{false};
    std::size_t owner_slabs = 0;
    bool intact_before_exit = true;
    bool intact_after_exit = true;
    std::thread owner([&] {
      for (std::size_t i = 0; i < kBlocks; ++i) {
        blocks.push_back(take(48, static_cast<unsigned char>(round + i)));
      }
      owner_slabs = SlabPool::slabs_held();
      ready.store(true, std::memory_order_release);
    });  // exits right away, while the freer works
    std::thread freer([&] {
      while (!ready.load(std::memory_order_acquire)) std::this_thread::yield();
      const bool wait_for_exit = round % 2 == 0;
      for (std::size_t i = 0; i < kBlocks; ++i) {
        if (wait_for_exit && i == kBlocks / 2) {
          while (!owner_gone.load(std::memory_order_acquire)) std::this_thread::yield();
        }
        bool& ok =
            owner_gone.load(std::memory_order_acquire) ? intact_after_exit : intact_before_exit;
        ok = ok && intact(blocks[i]);
        SlabPool::deallocate(blocks[i].p);
      }
    });
    owner.join();
    owner_gone.store(true, std::memory_order_release);
    freer.join();
    EXPECT_GE(owner_slabs, 1u) << "round " << round;
    EXPECT_TRUE(intact_before_exit) << "round " << round;
    // The blocks still out when the owner exited kept their contents: its exit did not
    // free their slab.
    EXPECT_TRUE(intact_after_exit) << "round " << round;
  }
}

}  // namespace
