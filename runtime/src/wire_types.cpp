#include "remedy/runtime/wire_types.hpp"

#include <algorithm>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/detail/int_list.hpp>
#include <caf/type_id.hpp>
#include <caf/uniform_type_info_map.hpp>

#include "remedy/classification/type_ids.hpp"
#include "remedy/core/type_ids.hpp"
#include "remedy/detection/type_ids.hpp"
#include "remedy/healing/type_ids.hpp"
#include "remedy/routing/type_ids.hpp"
#include "remedy/runtime/type_ids.hpp"
#include "remedy/scheduling/type_ids.hpp"
#include "remedy/strategies/type_ids.hpp"
#include "remedy/supervision/type_ids.hpp"

namespace remedy {

namespace {

void add_names(std::vector<std::string>&, caf::detail::int_list<>) {
  // End of recursion.
}

/// The name each type was registered under (what add_message_types uses).
template <long I, long... Is>
void add_names(std::vector<std::string>& out,
               caf::detail::int_list<I, Is...>) {
  out.emplace_back(caf::type_name_by_id<I>::value);
  add_names(out, caf::detail::int_list<Is...>{});
}

template <class Block>
void add_block(std::vector<std::string>& out) {
  add_names(out,
            typename caf::detail::il_range<Block::begin, Block::end>::type{});
}

} // namespace

std::vector<std::string> remedy_type_names() {
  namespace ib = caf::id_block;
  std::vector<std::string> result;
  add_block<ib::remedy_core>(result);
  add_block<ib::remedy_supervision>(result);
  add_block<ib::remedy_routing>(result);
  add_block<ib::remedy_detection>(result);
  add_block<ib::remedy_classification>(result);
  add_block<ib::remedy_scheduling>(result);
  add_block<ib::remedy_strategies>(result);
  add_block<ib::remedy_healing>(result);
  add_block<ib::remedy_runtime>(result);
  return result;
}

std::vector<std::string> registered_remedy_types(caf::actor_system& sys) {
  std::vector<std::string> result;
  for (auto& name : remedy_type_names())
    if (sys.types().make_value(name) != nullptr)
      result.push_back(name);
  return result;
}

std::string lacking(const std::vector<std::string>& ours,
                    const std::vector<std::string>& theirs) {
  std::set<std::string> have{theirs.begin(), theirs.end()};
  std::string result;
  for (auto& x : ours)
    if (have.count(x) == 0)
      result += (result.empty() ? "" : ", ") + x;
  return result;
}

} // namespace remedy
