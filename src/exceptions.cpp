#include <asyncio/exceptions.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>

namespace asyncio {

IncompleteReadError::IncompleteReadError(std::string partial, std::optional<std::size_t> expected)
    : std::runtime_error(std::to_string(partial.size()) + " bytes read on a total of " +
                         (expected ? std::to_string(*expected) : std::string("undefined")) +
                         " expected bytes"),
      partial_(std::move(partial)),
      expected_(expected) {}

void raise_os_error(std::error_code code, const std::string& what) {
  // Compared as portable conditions: Asio's codes arrive through Boost.System's categories.
  using std::errc;
  if (code == errc::broken_pipe) throw BrokenPipeError(code, what);
  if (code == errc::connection_aborted) throw ConnectionAbortedError(code, what);
  if (code == errc::connection_refused) throw ConnectionRefusedError(code, what);
  if (code == errc::connection_reset) throw ConnectionResetError(code, what);
  if (code == errc::no_such_file_or_directory) throw FileNotFoundError(code, what);
  throw OSError(code, what);
}

namespace {
std::string describe_group(const std::string& message, std::size_t n) {
  return message + " (" + std::to_string(n) + " sub-exception" + (n == 1 ? "" : "s") + ")";
}
}  // namespace

ExceptionGroup::ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions)
    : message_(std::move(message)),
      exceptions_(std::move(exceptions)),
      what_(describe_group(message_, exceptions_.size())) {}

namespace {
std::string type_name(const std::type_info& t) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(t.name(), nullptr, nullptr, &status), std::free);
  std::string s = status == 0 && name ? name.get() : t.name();
  // asyncio's own errors read as their Python names.
  if (s.rfind("asyncio::", 0) == 0) s.erase(0, 9);
  return s;
}
// Python's repr of an exception's arguments: ('message'), or () when there is none.
std::string args(const char* what) {
  return *what ? "('" + std::string(what) + "')" : std::string("()");
}
}  // namespace

std::string format_exception(const std::exception_ptr& e) {
  if (!e) return "None";
  try {
    std::rethrow_exception(e);
  } catch (const CancelledError& c) {
    return "CancelledError" + args(c.what());
  } catch (const std::exception& x) {
    return type_name(typeid(x)) + args(x.what());
  } catch (...) {
    const std::type_info* t = abi::__cxa_current_exception_type();
    return t ? type_name(*t) + "()" : std::string("unknown exception");
  }
}

}  // namespace asyncio
