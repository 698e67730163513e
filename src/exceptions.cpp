#include <asyncio/exceptions.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>

namespace asyncio {

IncompleteReadError::IncompleteReadError(std::string partial, std::size_t expected)
    : std::runtime_error(std::to_string(partial.size()) + " bytes read on a total of " +
                         std::to_string(expected) + " expected bytes"),
      partial_(std::move(partial)),
      expected_(expected) {}

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
