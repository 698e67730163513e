#pragma once
// Thread-local free lists for the library's small per-task objects. Not API.
//
// Spawning and completing many tasks, or creating a Future per message, would otherwise
// pay malloc and free (and first page touches) for every object. Blocks are recycled on
// the thread that frees them; each size class keeps a bounded number, so a burst of a
// million tasks returns its memory afterwards. Under AddressSanitizer the pool is off, so
// that a use after free is still caught.

#include <cstddef>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ASYNCIO_DETAIL_NO_POOL 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ASYNCIO_DETAIL_NO_POOL 1
#endif
#endif

namespace asyncio::detail {

class Pool {
 public:
  static constexpr std::size_t kGranule = 16;
  static constexpr std::size_t kClasses = 32;  // blocks up to 512 bytes
  static constexpr std::size_t kMaxCached = 4096;

  static void* allocate(std::size_t size) {
#ifndef ASYNCIO_DETAIL_NO_POOL
    const std::size_t c = (size + kGranule - 1) / kGranule;
    if (c < kClasses) {
      Lists& l = lists();
      if (Block* b = l.head[c]) {
        l.head[c] = b->next;
        --l.count[c];
        return b;
      }
      return ::operator new(c* kGranule);
    }
#endif
    return ::operator new(size);
  }

  static void deallocate(void* p, std::size_t size) noexcept {
#ifndef ASYNCIO_DETAIL_NO_POOL
    const std::size_t c = (size + kGranule - 1) / kGranule;
    if (c < kClasses) {
      Lists& l = lists();
      if (l.count[c] < kMaxCached) {
        auto* b = static_cast<Block*>(p);
        b->next = l.head[c];
        l.head[c] = b;
        ++l.count[c];
        return;
      }
    }
#else
    (void)size;
#endif
    ::operator delete(p);
  }

 private:
  struct Block {
    Block* next;
  };
  struct Lists {
    Block* head[kClasses] = {};
    std::size_t count[kClasses] = {};
    ~Lists();
  };
  static Lists& lists() noexcept;
};

/// Gives a class pooled `operator new` / `operator delete`.
struct Pooled {
  static void* operator new(std::size_t size) { return Pool::allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { Pool::deallocate(p, size); }
};

}  // namespace asyncio::detail
