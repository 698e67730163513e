#pragma once
// A string that costs one pointer while empty. Not API.

#include <memory>
#include <string>
#include <utility>

namespace asyncio::detail {

/// A string that costs one pointer while empty (most tasks have no custom name and are
/// never cancelled, and a million of them must stay small).
class CompactString {
 public:
  CompactString() = default;
  // By reference: a task's name passes through several layers, and the usual empty one
  // should cost no string move on the way.
  explicit CompactString(std::string&& s)
      : s_(s.empty() ? nullptr : std::make_unique<std::string>(std::move(s))) {}
  CompactString& operator=(std::string s) {
    s_ = s.empty() ? nullptr : std::make_unique<std::string>(std::move(s));
    return *this;
  }
  bool empty() const noexcept { return !s_; }
  std::string str() const { return s_ ? *s_ : std::string(); }

 private:
  std::unique_ptr<std::string> s_;
};

}  // namespace asyncio::detail
