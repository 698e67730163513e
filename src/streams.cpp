#include <asyncio/streams.hpp>

#include <asyncio/detail/loop_internals.hpp>
#include <asyncio/detail/task_core.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/sleep.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "stream_state.hpp"

namespace asyncio {

namespace detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;

std::exception_ptr make_os_error(std::error_code code, const std::string& what) {
  try {
    raise_os_error(code, what);
  } catch (...) {
    return std::current_exception();
  }
}

void raise_cancelled() {
  EventLoop& loop = get_running_loop();
  TaskCore* task = LoopInternals::current_task(loop);
  throw CancelledError(task ? task->take_cancel_message() : std::string());
}

int current_cancelling() noexcept {
  EventLoop* loop = running_loop;
  TaskCore* task = loop ? LoopInternals::current_task(*loop) : nullptr;
  return task ? task->cancelling() : 0;
}

bool cancel_missed_operation(int cancels_before) noexcept {
  EventLoop* loop = running_loop;
  TaskCore* task = loop ? LoopInternals::current_task(*loop) : nullptr;
  // must_cancel: the library delivers the cancellation at the next suspension itself.
  return task && task->cancelling() > cancels_before && !task->must_cancel();
}

namespace {

// Counts as work elsewhere while it lives: virtual time waits for it (the resolver runs
// getaddrinfo on a thread of its own).
class ExternalWork {
 public:
  explicit ExternalWork(EventLoop& loop) noexcept : loop_(loop) { loop_.add_external_work(); }
  ~ExternalWork() { loop_.remove_external_work(); }
  ExternalWork(const ExternalWork&) = delete;
  ExternalWork& operator=(const ExternalWork&) = delete;

 private:
  EventLoop& loop_;
};

// Python: `loop.getaddrinfo(host, port, type=SOCK_STREAM)`. A numeric address needs no
// lookup.
awaitable<std::vector<Endpoint>> resolve(EventLoop& loop, const std::string& host,
                                         std::uint16_t port, bool passive) {
  boost::system::error_code ec;
  const net::ip::address address = net::ip::make_address(host, ec);
  if (!ec) co_return std::vector<Endpoint>{Endpoint(tcp::endpoint(address, port))};
  tcp::resolver resolver(loop.get_io_context());
  ExternalWork work(loop);
  auto [error, results] = co_await resolver.async_resolve(
      host, std::to_string(port), passive ? tcp::resolver::passive : tcp::resolver::flags{},
      net::as_tuple(net::use_awaitable));
  if (error == net::error::operation_aborted) raise_cancelled();
  if (error) raise_os_error(error, "getaddrinfo failed for '" + host + "'");
  std::vector<Endpoint> endpoints;
  for (const auto& entry : results) endpoints.emplace_back(entry.endpoint());
  co_return endpoints;
}

Endpoint unix_endpoint(const std::string& path) {
  try {
    return Endpoint(net::local::stream_protocol::endpoint(path));
  } catch (const boost::system::system_error& e) {
    raise_os_error(e.code(), "Unix socket path '" + path + "'");
  }
}

awaitable<std::pair<StreamReader, StreamWriter>> connect(std::vector<Endpoint> endpoints,
                                                         ConnectOptions options) {
  EventLoop& loop = get_running_loop();
  std::vector<std::exception_ptr> errors;
  for (const Endpoint& endpoint : endpoints) {
    Socket socket(loop.get_io_context());
    auto [ec] = co_await socket.async_connect(endpoint, net::as_tuple(net::use_awaitable));
    if (ec == net::error::operation_aborted) raise_cancelled();
    if (ec) {
      errors.push_back(make_os_error(ec, "Connect call failed " + to_string(to_address(endpoint))));
      continue;
    }
    auto state = std::make_shared<StreamState>(&loop, options.limit);
    state->attach(std::move(socket));
    co_return std::pair{StreamAccess::reader(state), StreamAccess::writer(state)};
  }
  // Python: one error (or several alike) as it is; else one OSError naming them all.
  std::string what = "Multiple exceptions: ";
  bool alike = true;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    what += (i ? ", " : "") + format_exception(errors[i]);
    alike = alike && format_exception(errors[i]) == format_exception(errors.front());
  }
  if (alike) std::rethrow_exception(errors.front());
  std::error_code first;
  try {
    std::rethrow_exception(errors.front());
  } catch (const OSError& e) {
    first = e.code();
  }
  throw OSError(first, what);
}

awaitable<Server> serve(EventLoop& loop, ClientConnected cb, std::vector<Endpoint> endpoints,
                        ServerOptions options, std::string unix_path) {
  auto state = std::make_shared<ServerState>(&loop, std::move(cb), options);
  for (const Endpoint& endpoint : endpoints) {
    const Address address = to_address(endpoint);
    Acceptor& acceptor = state->acceptors.emplace_back(loop.get_io_context());
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec && options.reuse_address && address.family != Address::Family::local) {
      acceptor.set_option(net::socket_base::reuse_address(true), ec);
    }
    // Python: an IPv6 socket serves IPv6 only; IPv4 gets a socket of its own.
    if (!ec && address.family == Address::Family::ipv6) {
      acceptor.set_option(net::ip::v6_only(true), ec);
    }
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(options.backlog, ec);
    if (ec) {
      state->close();
      raise_os_error(ec, "error while attempting to bind on address " + to_string(address));
    }
    Endpoint bound = acceptor.local_endpoint(ec);
    state->addresses.push_back(ec ? address : to_address(bound));
  }
  if (!unix_path.empty()) {
    struct stat st {};
    if (::stat(unix_path.c_str(), &st) == 0) state->unix_inode = st.st_ino;
    state->unix_path = std::move(unix_path);
  }
  if (options.start_serving) {
    state->start_serving();
    co_await sleep(0);  // Python: one iteration, so that accepting has begun
  }
  co_return StreamAccess::server(std::move(state));
}

}  // namespace

}  // namespace detail

awaitable<std::pair<StreamReader, StreamWriter>> open_connection(std::string host,
                                                                 std::uint16_t port,
                                                                 ConnectOptions options) {
  if (options.limit == 0) throw ValueError("Limit cannot be <= 0");
  EventLoop& loop = get_running_loop();
  std::vector<detail::Endpoint> endpoints = co_await detail::resolve(loop, host, port, false);
  co_return co_await detail::connect(std::move(endpoints), options);
}

awaitable<Server> start_server(ClientConnected client_connected_cb, std::string host,
                               std::uint16_t port, ServerOptions options) {
  if (options.limit == 0) throw ValueError("Limit cannot be <= 0");
  EventLoop& loop = get_running_loop();
  std::vector<detail::Endpoint> endpoints;
  if (host.empty()) {
    // Python: host None or '' listens on every interface.
    endpoints.emplace_back(detail::tcp::endpoint(detail::tcp::v4(), port));
    endpoints.emplace_back(detail::tcp::endpoint(detail::tcp::v6(), port));
  } else {
    endpoints = co_await detail::resolve(loop, host, port, true);
  }
  co_return co_await detail::serve(loop, std::move(client_connected_cb), std::move(endpoints),
                                   options, {});
}

awaitable<std::pair<StreamReader, StreamWriter>> open_unix_connection(std::string path,
                                                                      ConnectOptions options) {
  if (options.limit == 0) throw ValueError("Limit cannot be <= 0");
  std::vector<detail::Endpoint> endpoints{detail::unix_endpoint(path)};
  co_return co_await detail::connect(std::move(endpoints), options);
}

awaitable<Server> start_unix_server(ClientConnected client_connected_cb, std::string path,
                                    ServerOptions options) {
  if (options.limit == 0) throw ValueError("Limit cannot be <= 0");
  EventLoop& loop = get_running_loop();
  std::vector<detail::Endpoint> endpoints{detail::unix_endpoint(path)};
  // Python: a stale socket file from an earlier server is removed first.
  struct stat st {};
  if (!path.empty() && path[0] != '\0' && ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
    ::unlink(path.c_str());
  }
  co_return co_await detail::serve(loop, std::move(client_connected_cb), std::move(endpoints),
                                   options, path);
}

}  // namespace asyncio
