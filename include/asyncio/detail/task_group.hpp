#pragma once
// The done-callback that links a child into its TaskGroup. Not API.

#include <asyncio/detail/future_core.hpp>
#include <asyncio/detail/pool.hpp>

namespace asyncio {
class TaskGroup;
}  // namespace asyncio

namespace asyncio::detail {

/// A child's done-callback, also linking the child into its group.
struct GroupChild final : CallbackWaiter, Pooled {
  GroupChild(TaskGroup* g, FutureCore* child) : CallbackWaiter(child), group(g) {}
  TaskGroup* group;
  GroupChild* gprev = nullptr;
  GroupChild* gnext = nullptr;
};

}  // namespace asyncio::detail
