// Beyond the tutorial, streams: an echo server and its clients in one program, on
// 127.0.0.1. The server takes a second over each message before echoing it (a slow
// service); three clients one after the other wait for three such seconds, three clients at
// once with gather for one.
//
// The sockets are real under --virtual-time too: the virtual clock only jumps ahead when no
// I/O is ready, so only the server's sleeps are skipped.
#include "tutorial.hpp"

#include <cstdint>
#include <string>
#include <vector>

// Python: async def handle_echo(reader, writer)
asyncio::awaitable<void> handle_echo(asyncio::StreamReader reader, asyncio::StreamWriter writer) {
  // Python: async for line in reader:
  while (auto line = co_await reader.anext()) {
    co_await asyncio::sleep(1);  // Simulate the work of a slow service
    writer.write(*line);
    co_await writer.drain();
  }
  writer.close();
  co_await writer.wait_closed();
}

// Python: async def tcp_echo_client(id, port)
asyncio::awaitable<std::string> tcp_echo_client(int id, std::uint16_t port) {
  const std::string message = "Hello from client " + std::to_string(id);
  std::cout << "Client " << id << " sends '" << message << "'\n";
  auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
  writer.write(message + '\n');
  co_await writer.drain();
  std::string reply = co_await reader.readline();
  writer.close();
  co_await writer.wait_closed();
  if (!reply.empty() && reply.back() == '\n') reply.pop_back();
  co_return reply;
}

asyncio::awaitable<void> main_coroutine() {
  constexpr int kClients = 3;
  // Port 0: the system picks a free port, which server.port() tells.
  asyncio::Server server = co_await asyncio::start_server(handle_echo, "127.0.0.1", 0);
  const std::uint16_t port = server.port();
  std::cout << "Serving on 127.0.0.1\n";
  auto& loop = asyncio::get_running_loop();

  std::cout << "1. " << kClients << " clients, one after the other:\n";
  double started = loop.time();
  for (int id = 1; id <= kClients; ++id) {
    const std::string reply = co_await tcp_echo_client(id, port);
    std::cout << "Client " << id << " received '" << reply << "'\n";
  }
  tutorial::print_elapsed(started);

  std::cout << "2. " << kClients << " clients at once, with gather:\n";
  started = loop.time();
  std::vector<asyncio::awaitable<std::string>> clients;
  for (int id = 1; id <= kClients; ++id) clients.push_back(tcp_echo_client(id, port));
  const std::vector<std::string> replies = co_await asyncio::gather(std::move(clients));
  for (std::size_t i = 0; i < replies.size(); ++i) {
    std::cout << "Client " << i + 1 << " received '" << replies[i] << "'\n";
  }
  tutorial::print_elapsed(started);

  server.close();
  co_await server.wait_closed();
}

int main(int argc, char** argv) {
  asyncio::run(main_coroutine(), tutorial::options(argc, argv));
}
