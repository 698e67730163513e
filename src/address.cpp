#include <asyncio/address.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <ostream>
#include <sstream>

#include "stream_state.hpp"

namespace asyncio {

namespace detail {

Address to_address(const Endpoint& endpoint) {
  Address a;
  const sockaddr* sa = endpoint.data();
  char text[INET6_ADDRSTRLEN] = {};
  switch (sa->sa_family) {
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
      ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      a = {text, ntohs(in->sin_port), Address::Family::ipv4};
      break;
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      a = {text, ntohs(in6->sin6_port), Address::Family::ipv6};
      break;
    }
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
      const std::size_t offset = offsetof(sockaddr_un, sun_path);
      std::size_t n = endpoint.size() > offset ? endpoint.size() - offset : 0;
      std::string path(un->sun_path, n);
      // A pathname socket's length may count the terminating NUL; an abstract one's starts
      // with NUL and is kept whole.
      if (!path.empty() && path[0] != '\0') path = path.c_str();
      a = {std::move(path), 0, Address::Family::local};
      break;
    }
    default:
      break;
  }
  return a;
}

}  // namespace detail

std::ostream& operator<<(std::ostream& out, const Address& address) {
  switch (address.family) {
    case Address::Family::ipv4:
      return out << "('" << address.host << "', " << address.port << ')';
    case Address::Family::ipv6:
      return out << "('" << address.host << "', " << address.port << ", 0, 0)";
    case Address::Family::local:
      return out << '\'' << address.host << '\'';
  }
  return out;
}

std::string to_string(const Address& address) {
  std::ostringstream out;
  out << address;
  return out.str();
}

}  // namespace asyncio
