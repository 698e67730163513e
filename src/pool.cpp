#include <asyncio/detail/pool.hpp>

namespace asyncio::detail {

Pool::Lists::~Lists() {
  for (std::size_t c = 0; c < kClasses; ++c) {
    while (Block* b = head[c]) {
      head[c] = b->next;
      ::operator delete(b);
    }
  }
}

Pool::Lists& Pool::lists() noexcept {
  static thread_local Lists lists;
  return lists;
}

}  // namespace asyncio::detail
