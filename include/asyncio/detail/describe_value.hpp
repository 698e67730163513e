#pragma once
// How reprs show a value (a future's result, a queue's items). Not API.

#include <ostream>
#include <string_view>
#include <type_traits>

namespace asyncio::detail {

/// Python's repr of a value where C++ can write one: strings quoted, anything streamable
/// as it streams, anything else by its size.
template <typename T>
void describe_value(std::ostream& os, const T& v) {
  if constexpr (requires { os << v; }) {
    if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      os << '\'' << std::string_view(v) << '\'';
    } else {
      os << v;
    }
  } else {
    os << "<" << sizeof(T) << "-byte value>";
  }
}

}  // namespace asyncio::detail
