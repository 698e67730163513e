#pragma once
// What `Operation` needs to be an Asio async operation. Not API.

#include <exception>

namespace asyncio::detail {

/// The completion signature of an asyncio operation producing R.
template <typename R>
struct signature_for {
  using type = void(std::exception_ptr, R);
};
template <>
struct signature_for<void> {
  using type = void(std::exception_ptr);
};
template <typename W>
using signature_of = typename signature_for<typename W::result_type>::type;

template <typename W, typename Op, typename Token>
auto initiate(Op&& op, Token&& token);

}  // namespace asyncio::detail
