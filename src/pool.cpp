#include <asyncio/detail/pool.hpp>

namespace asyncio::detail {

namespace {
thread_local bool lists_gone = false;  // this thread's Lists has been destroyed
}  // namespace

SlabPool::Lists::~Lists() {
  tl_lists = nullptr;
  lists_gone = true;
  // Hand every slab over to whoever frees its last block (or free it now), unlinked first:
  // its neighbours may be gone by the time it is freed.
  for (auto& p : partial) p.clear();
  all.clear_and_dispose([](Slab* s) {
    s->owner.store(nullptr, std::memory_order_relaxed);
    // Read before publishing: once the balance can reach zero, another thread may free s.
    const std::int64_t live = s->live;
    if (s->balance.fetch_add(live, std::memory_order_acq_rel) + live == 0) {
      s->~Slab();
      ::operator delete(s, std::align_val_t(kSlabSize));
    }
  });
}

void* SlabPool::allocate_slow(std::size_t c) {
  Lists* l = tl_lists;
  if (!l && !lists_gone) {
    static thread_local Lists lists;
    l = tl_lists = &lists;
  }
  if (!l) {
    // The thread is exiting: a slab of one block, owned by nobody, freed with that block.
    auto* s = new (::operator new(kSlabSize, std::align_val_t(kSlabSize)))
        Slab(nullptr, static_cast<std::uint16_t>(c));
    void* p = s->bump;
    s->live = 1;
    s->balance.store(1, std::memory_order_relaxed);
    return p;
  }
  Slab* s;
  if (!l->partial[c].empty()) {
    s = &l->partial[c].front();
    l->partial[c].pop_front();
  } else {
    s = new (::operator new(kSlabSize, std::align_val_t(kSlabSize)))
        Slab(l, static_cast<std::uint16_t>(c));
    l->all.push_front(*s);
  }
  l->current[c] = s;
  return allocate(c * kGranule);  // cannot fail now: s has a free block or room
}

void SlabPool::freed_in_other_slab(Lists* l, Slab* s) noexcept {
  if (s->live + s->balance.load(std::memory_order_acquire) == 0) {
    // Every block is back: return the slab.
    if (s->partial_hook.is_linked()) {
      l->partial[s->cls].erase(l->partial[s->cls].iterator_to(*s));
    }
    l->all.erase(l->all.iterator_to(*s));
    s->~Slab();
    ::operator delete(s, std::align_val_t(kSlabSize));
    return;
  }
  if (!s->partial_hook.is_linked()) l->partial[s->cls].push_front(*s);
}

void SlabPool::deallocate_remote(Slab* s) noexcept {
  // While the owner lives the balance stays negative; after it left, the last block back
  // brings it to zero.
  if (s->balance.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    s->~Slab();
    ::operator delete(s, std::align_val_t(kSlabSize));
  }
}

std::size_t SlabPool::slabs_held() noexcept {
  return tl_lists ? tl_lists->all.size() : 0;
}

}  // namespace asyncio::detail
