// Tutorial 1.0 says asyncio is for network requests; here they are real: a small HTTP/1.1
// server on 127.0.0.1 that answers each GET after a second, and a client that fetches ten
// URLs one after the other, then all at once with gather, then in a TaskGroup with at most
// three requests in flight (a Semaphore), as a polite client of a real server would.
//
// The sockets are real under --virtual-time too: the virtual clock only jumps ahead when no
// I/O is ready, so only the server's sleeps are skipped.
#include "tutorial.hpp"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

constexpr double kServerDelay = 1;  // seconds the server takes over each request

// ---- The server ---------------------------------------------------------------------------

// A line without its "\r\n" (or "\n").
std::string chomp(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

// The server's data: /items/1 to /items/9, or nothing.
std::optional<std::string> item(const std::string& target) {
  static const char* const kNames[] = {"apple", "banana", "cherry",   "date", "elderberry",
                                       "fig",   "grape",  "honeydew", "kiwi"};
  for (int id = 1; id <= 9; ++id) {
    if (target == "/items/" + std::to_string(id)) {
      return "{\"id\": " + std::to_string(id) + ", \"name\": \"" + kNames[id - 1] + "\"}";
    }
  }
  return std::nullopt;
}

// Python: async def handle_request(reader, writer): one request per connection.
asyncio::awaitable<void> handle_request(asyncio::StreamReader reader,
                                        asyncio::StreamWriter writer) {
  // The request line, "GET /items/3 HTTP/1.1", then headers until a blank line.
  const std::string request_line = chomp(co_await reader.readline());
  for (;;) {
    const std::string header = chomp(co_await reader.readline());
    if (header.empty()) break;  // the blank line (or EOF)
  }
  const std::size_t space = request_line.find(' ');
  const std::string method = request_line.substr(0, space);
  const std::string target =
      space == std::string::npos
          ? ""
          : request_line.substr(space + 1, request_line.find(' ', space + 1) - space - 1);

  co_await asyncio::sleep(kServerDelay);  // Simulate a slow backend

  std::string status = "200 OK";
  std::optional<std::string> body = item(target);
  if (method != "GET") {
    status = "405 Method Not Allowed";
    body = "";
  } else if (!body) {
    status = "404 Not Found";
    body = "Not found: " + target;
  }
  const std::string head =
      "HTTP/1.1 " + status +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body->size()) +
      "\r\nConnection: close\r\n\r\n";
  writer.writelines({head, *body});
  co_await writer.drain();
  writer.close();
  co_await writer.wait_closed();
}

// ---- The client ---------------------------------------------------------------------------

struct Response {
  std::string path;
  std::string status_line;  // "HTTP/1.1 200 OK"
  std::string body;
};

std::ostream& operator<<(std::ostream& os, const Response& r) {
  return os << "GET " << r.path << ": " << r.status_line << ", " << r.body.size() << " bytes";
}

// The value of header `name` (any case) in a response head, or "".
std::string header_value(const std::string& head, std::string_view name) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string text = lower(head);
  const std::string key = "\r\n" + lower(std::string(name)) + ":";
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return "";
  std::size_t begin = at + key.size();
  while (begin < head.size() && head[begin] == ' ') ++begin;
  return head.substr(begin, head.find("\r\n", begin) - begin);
}

// Python: async def fetch(port, path)
asyncio::awaitable<Response> fetch(std::uint16_t port, std::string path) {
  auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
  writer.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
               "\r\nConnection: close\r\n\r\n");
  co_await writer.drain();

  const std::string head = co_await reader.readuntil("\r\n\r\n");  // status line and headers
  Response response{path, head.substr(0, head.find("\r\n")), ""};
  response.body = co_await reader.readexactly(std::stoll(header_value(head, "Content-Length")));
  writer.close();
  co_await writer.wait_closed();
  co_return response;
}

// Python: async with semaphore: return await fetch(port, path)
asyncio::awaitable<Response> polite_fetch(asyncio::Semaphore& semaphore, std::uint16_t port,
                                          std::string path) {
  auto held = co_await semaphore.scoped();
  co_return co_await fetch(port, std::move(path));
}

// ---- main ---------------------------------------------------------------------------------

asyncio::awaitable<void> main_coroutine() {
  asyncio::Server server = co_await asyncio::start_server(handle_request, "127.0.0.1", 0);
  const std::uint16_t port = server.port();  // port 0 asked for a free one
  std::vector<std::string> paths;
  for (int id = 1; id <= 9; ++id) paths.push_back("/items/" + std::to_string(id));
  paths.push_back("/nothing-here");
  auto& loop = asyncio::get_running_loop();

  std::cout << "1. " << paths.size() << " requests, one after the other:\n";
  double started = loop.time();
  for (const std::string& path : paths) std::cout << "  " << co_await fetch(port, path) << '\n';
  tutorial::print_elapsed(started);

  std::cout << "2. " << paths.size() << " requests at once, with gather:\n";
  started = loop.time();
  std::vector<asyncio::awaitable<Response>> requests;
  for (const std::string& path : paths) requests.push_back(fetch(port, path));
  for (const Response& r : co_await asyncio::gather(std::move(requests))) {
    std::cout << "  " << r << '\n';
  }
  tutorial::print_elapsed(started);

  std::cout << "3. " << paths.size() << " requests in a TaskGroup, at most 3 at a time:\n";
  started = loop.time();
  asyncio::Semaphore semaphore(3);
  std::vector<asyncio::Task<Response>> tasks;
  // Python: async with asyncio.TaskGroup() as tg:
  co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> asyncio::awaitable<void> {
    for (const std::string& path : paths) {
      tasks.push_back(tg.create_task(polite_fetch(semaphore, port, path)));
    }
    co_return;
  });
  for (auto& task : tasks) std::cout << "  " << task.result() << '\n';
  tutorial::print_elapsed(started);

  server.close();
  co_await server.wait_closed();
}

int main(int argc, char** argv) {
  asyncio::run(main_coroutine(), tutorial::options(argc, argv));
}
