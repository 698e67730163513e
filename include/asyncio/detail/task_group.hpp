#pragma once
// The done-callback that links a child into its TaskGroup. Not API.

#include <asyncio/detail/future_core.hpp>
#include <asyncio/detail/pool.hpp>

#include <boost/intrusive/list.hpp>

namespace asyncio {
class TaskGroup;
}  // namespace asyncio

namespace asyncio::detail {

/// A child's done-callback, also linking the child into its group.
struct GroupChild final : CallbackWaiter, Pooled {
  GroupChild(TaskGroup* g, FutureCore* child) : CallbackWaiter(child), group(g) {}
  TaskGroup* group;
  /// Link in the group's list of children not yet done (safe mode: it always leaves through
  /// the group, and the group unlinks what is left when it goes).
  boost::intrusive::list_member_hook<> group_hook;
};
using GroupChildren = boost::intrusive::list<
    GroupChild, boost::intrusive::member_hook<GroupChild, decltype(GroupChild::group_hook),
                                              &GroupChild::group_hook>>;

}  // namespace asyncio::detail
