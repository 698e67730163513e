#pragma once
/// A socket address, as Python's `socket` module gives it (`peername`, `sockname`).

#include <cstdint>
#include <iosfwd>
#include <string>

namespace asyncio {

/// Python: the tuple `('127.0.0.1', 8888)` (IPv4), `('::1', 8888, 0, 0)` (IPv6), or the path
/// string of a Unix domain socket. `operator<<` prints it the way Python's `repr` does.
struct Address {
  enum class Family : std::uint8_t { ipv4, ipv6, local };  // local: a Unix domain socket

  std::string host;  ///< the IP address as text, or the socket's path (Family::local)
  std::uint16_t port = 0;
  Family family = Family::ipv4;

  friend bool operator==(const Address&, const Address&) = default;
};

std::ostream& operator<<(std::ostream& out, const Address& address);
/// The same text as `operator<<`: `('127.0.0.1', 8888)`.
std::string to_string(const Address& address);

}  // namespace asyncio
