// Echo round trips over TCP on 127.0.0.1, server and clients on one loop (one thread): each
// client writes a message, waits for it to be sent on (drain) and reads it back whole; the
// server echoes what it reads. 1 or 100 connections at once, 64-byte or 64 KiB messages.
//
// asyncio-cpp's streams, written as the Python would be, against the same echo on raw Asio:
// `use_awaitable` coroutines (the construction our tasks are made of), and completion
// handlers (the fastest raw Asio). bench/python/echo.py is the Python twin.
//
// Arguments: connections, message size. Each run is a fresh loop: server start, connects,
// round trips, close; bench/run.py times the first run of a fresh process.
#include "bench_common.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace asio = bench::asio;
using asio::ip::tcp;

constexpr std::size_t kReadSize = 64 * 1024;  // what the server asks for per read

// Round trips of one run, over all connections: 20k of 64 bytes, 2k of 64 KiB.
int rounds_per_connection(int connections, std::size_t size) {
  const int total = size <= 1024 ? 20'000 : 2'000;
  return total / connections;
}

void set_counters(benchmark::State& state) {
  const int conns = static_cast<int>(state.range(0));
  const auto size = static_cast<std::size_t>(state.range(1));
  const std::int64_t rounds = std::int64_t{rounds_per_connection(conns, size)} * conns;
  state.SetItemsProcessed(state.iterations() * rounds);
  state.SetBytesProcessed(state.iterations() * rounds * static_cast<std::int64_t>(size) * 2);
}

// ---- asyncio-cpp --------------------------------------------------------------------------

// Python:
//   async def handle(reader, writer):
//       while data := await reader.read(65536):
//           writer.write(data)
//           await writer.drain()
//       writer.close()
asyncio::awaitable<void> echo_handler(asyncio::StreamReader reader, asyncio::StreamWriter writer) {
  for (;;) {
    std::string data = co_await reader.read(kReadSize);
    if (data.empty()) break;
    writer.write(data);
    co_await writer.drain();
  }
  writer.close();
}

// Python:
//   reader, writer = await asyncio.open_connection("127.0.0.1", port)
//   for _ in range(rounds):
//       writer.write(message)
//       await writer.drain()
//       await reader.readexactly(len(message))
asyncio::awaitable<void> echo_client(std::uint16_t port, std::size_t size, int rounds) {
  auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
  const std::string message(size, 'x');
  for (int i = 0; i < rounds; ++i) {
    writer.write(message);
    co_await writer.drain();
    std::string reply = co_await reader.readexactly(static_cast<std::int64_t>(size));
    benchmark::DoNotOptimize(reply.data());
  }
  writer.close();
  co_await writer.wait_closed();
}

asyncio::awaitable<void> asyncio_main(int connections, std::size_t size) {
  asyncio::Server server = co_await asyncio::start_server(echo_handler, "127.0.0.1", 0);
  const int rounds = rounds_per_connection(connections, size);
  std::vector<asyncio::awaitable<void>> clients;
  for (int i = 0; i < connections; ++i) clients.push_back(echo_client(server.port(), size, rounds));
  co_await asyncio::gather(std::move(clients));
  server.close();
  co_await server.wait_closed();
}

void BM_asyncio_echo(benchmark::State& state) {
  for (auto _ : state) {
    asyncio::run(
        asyncio_main(static_cast<int>(state.range(0)), static_cast<std::size_t>(state.range(1))));
  }
  set_counters(state);
}

// ---- Raw Asio, use_awaitable coroutines ---------------------------------------------------

constexpr auto kAwaitable = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> asio_session(tcp::socket socket) {
  auto buffer = std::make_unique<char[]>(kReadSize);
  for (;;) {
    auto [ec, n] =
        co_await socket.async_read_some(asio::buffer(buffer.get(), kReadSize), kAwaitable);
    if (ec) break;
    auto [wec, written] =
        co_await asio::async_write(socket, asio::buffer(buffer.get(), n), kAwaitable);
    if (wec) break;
  }
}

asio::awaitable<void> asio_listener(tcp::acceptor& acceptor, int connections) {
  for (int i = 0; i < connections; ++i) {
    tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), asio_session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> asio_client(tcp::endpoint server, std::size_t size, int rounds) {
  tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(server, asio::use_awaitable);
  socket.set_option(tcp::no_delay(true));
  const std::string message(size, 'x');
  std::string reply(size, '\0');
  for (int i = 0; i < rounds; ++i) {
    co_await asio::async_write(socket, asio::buffer(message), asio::use_awaitable);
    co_await asio::async_read(socket, asio::buffer(reply), asio::use_awaitable);
    benchmark::DoNotOptimize(reply.data());
  }
  socket.close();
}

void BM_asio_echo(benchmark::State& state) {
  const int connections = static_cast<int>(state.range(0));
  const auto size = static_cast<std::size_t>(state.range(1));
  for (auto _ : state) {
    asio::io_context ctx(1);
    tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
    asio::co_spawn(ctx, asio_listener(acceptor, connections), asio::detached);
    for (int i = 0; i < connections; ++i) {
      asio::co_spawn(
          ctx,
          asio_client(acceptor.local_endpoint(), size, rounds_per_connection(connections, size)),
          asio::detached);
    }
    ctx.run();
  }
  set_counters(state);
}

// ---- Raw Asio, completion handlers --------------------------------------------------------

// The server side of one connection: read some, write it all, again, until EOF.
class HandlerSession {
 public:
  explicit HandlerSession(tcp::socket socket)
      : socket_(std::move(socket)), buffer_(std::make_unique<char[]>(kReadSize)) {}
  void start() { read(); }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_.get(), kReadSize),
                            [this](boost::system::error_code ec, std::size_t n) {
                              if (!ec) write(n);
                            });
  }
  void write(std::size_t n) {
    asio::async_write(socket_, asio::buffer(buffer_.get(), n),
                      [this](boost::system::error_code ec, std::size_t) {
                        if (!ec) read();
                      });
  }

  tcp::socket socket_;
  std::unique_ptr<char[]> buffer_;
};

// A client: connect, then write the message and read it back, `rounds` times.
class HandlerClient {
 public:
  HandlerClient(asio::io_context& ctx, std::size_t size, int rounds)
      : socket_(ctx), message_(size, 'x'), reply_(size, '\0'), rounds_(rounds) {}
  void start(const tcp::endpoint& server) {
    socket_.async_connect(server, [this](boost::system::error_code ec) {
      if (ec) return;
      socket_.set_option(tcp::no_delay(true));
      round();
    });
  }

 private:
  void round() {
    if (rounds_-- == 0) {
      socket_.close();
      return;
    }
    asio::async_write(socket_, asio::buffer(message_),
                      [this](boost::system::error_code ec, std::size_t) {
                        if (ec) return;
                        asio::async_read(socket_, asio::buffer(reply_),
                                         [this](boost::system::error_code ec, std::size_t) {
                                           benchmark::DoNotOptimize(reply_.data());
                                           if (!ec) round();
                                         });
                      });
  }

  tcp::socket socket_;
  std::string message_;
  std::string reply_;
  int rounds_;
};

void BM_asio_echo_handlers(benchmark::State& state) {
  const int connections = static_cast<int>(state.range(0));
  const auto size = static_cast<std::size_t>(state.range(1));
  for (auto _ : state) {
    asio::io_context ctx(1);
    tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
    std::vector<std::unique_ptr<HandlerSession>> sessions;
    std::vector<std::unique_ptr<HandlerClient>> clients;
    std::function<void()> accept = [&] {
      acceptor.async_accept([&](boost::system::error_code ec, tcp::socket socket) {
        if (ec) return;
        socket.set_option(tcp::no_delay(true));
        sessions.push_back(std::make_unique<HandlerSession>(std::move(socket)));
        sessions.back()->start();
        if (static_cast<int>(sessions.size()) < connections) accept();
      });
    };
    accept();
    for (int i = 0; i < connections; ++i) {
      clients.push_back(
          std::make_unique<HandlerClient>(ctx, size, rounds_per_connection(connections, size)));
      clients.back()->start(acceptor.local_endpoint());
    }
    ctx.run();
  }
  set_counters(state);
}

void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"conns", "size"});
  for (std::int64_t size : {64, 64 * 1024}) {
    for (std::int64_t conns : {1, 100}) b->Args({conns, size});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_asyncio_echo)->Apply(shapes);
BENCHMARK(BM_asio_echo)->Apply(shapes);
BENCHMARK(BM_asio_echo_handlers)->Apply(shapes);
BENCHMARK_MAIN();
