#pragma once
// A small-object allocator for the library's per-task objects (task states, futures,
// callbacks). Not API.
//
// Spawning 100k tasks means 100k task states: through malloc each costs a call that does
// real work, a 16-byte header and, at the end, frees that coalesce chunk by chunk. Here a
// thread carves blocks out of 64 KiB slabs, one size class per slab, and recycles them on
// a free list kept in the slab. A slab whose blocks are all back is returned at once (only
// the one slab each size class allocates from is kept), so a burst of a million tasks gives
// its memory back afterwards.
//
// Threads: each thread allocates from its own slabs. A block freed on another thread (a
// handle dropped after its loop's thread ended, say) is only counted, not reused; the slab
// goes back to the system when its last block does, even after its thread has exited.
// `ASYNCIO_NO_POOL` (a compile definition of the library target: CMake's ASYNCIO_POOL=OFF,
// and always under AddressSanitizer and ThreadSanitizer, so that a use after free is still
// caught) turns the pool off; `SlabPool` itself is tested directly.

#include <boost/intrusive/list.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

namespace asyncio::detail {

class SlabPool {
 public:
  static constexpr std::size_t kGranule = 16;
  static constexpr std::size_t kClasses = 32;  // size classes of 16 .. 496 bytes
  static constexpr std::size_t kSlabSize = 64 * 1024;

  /// Whether blocks of `size` bytes come from slabs (otherwise: plain operator new).
  static constexpr bool pooled(std::size_t size) noexcept {
    return size > 0 && (size + kGranule - 1) / kGranule < kClasses;
  }

  /// A block of at least `size` bytes, 16-byte aligned. Precondition: pooled(size).
  static void* allocate(std::size_t size) {
    const std::size_t c = (size + kGranule - 1) / kGranule;
    if (Lists* l = tl_lists) {
      if (Slab* s = l->current[c]) {
        if (Block* b = s->free) {
          s->free = b->next;
          ++s->live;
          return b;
        }
        if (s->bump + c * kGranule <= s->end()) {
          void* p = s->bump;
          s->bump += c * kGranule;
          ++s->live;
          return p;
        }
      }
    }
    return allocate_slow(c);
  }

  /// Gives back a block from `allocate`, on any thread.
  static void deallocate(void* p) noexcept {
    Slab* s = Slab::of(p);
    Lists* l = tl_lists;
    if (l && s->owner.load(std::memory_order_relaxed) == l) {
      auto* b = static_cast<Block*>(p);
      b->next = s->free;
      s->free = b;
      --s->live;
      if (s != l->current[s->cls]) freed_in_other_slab(l, s);
      return;
    }
    deallocate_remote(s);
  }

  /// Slabs this thread holds (for tests).
  static std::size_t slabs_held() noexcept;

 private:
  struct Block {
    Block* next;
  };
  struct Lists;
  // Safe mode: a slab leaves its lists through its owner's Lists, and is unlinked (its
  // links nulled) before it is freed or handed over to other threads.
  using Hook = boost::intrusive::list_member_hook<>;
  struct alignas(64) Slab {
    std::atomic<Lists*> owner;  // null once the owning thread has exited
    Hook partial_hook;          // in the owner's slabs of this class with free blocks
    Hook all_hook;              // in every slab of the owner
    Block* free = nullptr;
    char* bump;
    std::uint32_t live = 0;  // blocks out, as the owner counts them
    std::uint16_t cls;
    // Minus the blocks other threads gave back; when the owner exits it adds `live`, and
    // whoever brings the sum to zero frees the slab.
    std::atomic<std::int64_t> balance{0};

    Slab(Lists* o, std::uint16_t c) noexcept
        : owner(o), bump(reinterpret_cast<char*>(this) + sizeof(Slab)), cls(c) {}
    char* end() noexcept { return reinterpret_cast<char*>(this) + kSlabSize; }
    static Slab* of(void* p) noexcept {
      return reinterpret_cast<Slab*>(reinterpret_cast<std::uintptr_t>(p) & ~(kSlabSize - 1));
    }
  };
  template <Hook Slab::*Member, bool CountSize>
  using SlabList = boost::intrusive::list<Slab, boost::intrusive::member_hook<Slab, Hook, Member>,
                                          boost::intrusive::constant_time_size<CountSize>>;
  struct Lists {
    Slab* current[kClasses] = {};
    SlabList<&Slab::partial_hook, false> partial[kClasses];
    SlabList<&Slab::all_hook, true> all;  // its size: slabs_held()
    ~Lists();
  };

  static void* allocate_slow(std::size_t c);
  static void freed_in_other_slab(Lists* l, Slab* s) noexcept;
  static void deallocate_remote(Slab* s) noexcept;

  static inline thread_local Lists* tl_lists = nullptr;  // null before first use and after exit
};

class Pool {
 public:
  static void* allocate(std::size_t size) {
#ifndef ASYNCIO_NO_POOL
    if (SlabPool::pooled(size)) return SlabPool::allocate(size);
#endif
    return ::operator new(size);
  }
  static void deallocate(void* p, std::size_t size) noexcept {
#ifndef ASYNCIO_NO_POOL
    if (SlabPool::pooled(size)) return SlabPool::deallocate(p);
#else
    (void)size;
#endif
    ::operator delete(p);
  }
};

/// Gives a class pooled `operator new` / `operator delete`.
struct Pooled {
  static void* operator new(std::size_t size) { return Pool::allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { Pool::deallocate(p, size); }
};

}  // namespace asyncio::detail
