// The supervisor's child table: records in start order, lookups by id and by
// incarnation, removal as tombstones and compaction.

#include <string>
#include <utility>
#include <vector>

#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/type_ids.hpp"

#include "supervisor_state.hpp"

namespace remedy::detail {

child_record* find(supervisor_state& st, const std::string& id) {
  auto i = st.by_id.find(id);
  return i != st.by_id.end() ? &st.children[i->second] : nullptr;
}

size_t position(supervisor_state& st, const child_record& rec) {
  return static_cast<size_t>(&rec - st.children.data());
}

child_record& append(supervisor_state& st,
                     std::shared_ptr<const child_spec> spec, std::string id,
                     caf::message extra) {
  child_record rec;
  rec.spec = std::move(spec);
  rec.id = std::move(id);
  rec.extra = std::move(extra);
  if (!st.pool_template) // pool children get endpoints on demand only
    rec.endpoint = rec.spec->endpoint;
  st.by_id.emplace(rec.id, st.children.size());
  st.children.push_back(std::move(rec));
  return st.children.back();
}

child_info info_of(const child_record& rec) {
  child_info result;
  result.id = rec.id;
  result.current = rec.current;
  result.endpoint = rec.endpoint;
  result.type = rec.spec->type;
  result.restart = rec.spec->restart;
  result.status = rec.status;
  result.restarts = rec.restarts;
  return result;
}

void forget_incarnation(supervisor_state& st, child_record& rec) {
  if (rec.current) {
    rec.last = rec.current.address();
    st.by_addr.erase(rec.current.address());
    rec.current = nullptr;
  }
}

void tell_endpoint_down(supervisor_impl* self, child_record& rec,
                        const caf::error& reason) {
  if (rec.endpoint)
    self->send(rec.endpoint, endpoint_down_atom::value, reason);
}

void remove_child(supervisor_impl* self, child_record& rec,
                  const caf::error& reason) {
  auto& st = self->state;
  forget_incarnation(st, rec);
  tell_endpoint_down(self, rec, reason);
  st.by_id.erase(rec.id);
  rec.deleted = true;
  rec.endpoint = nullptr;
  rec.extra = caf::message{};
  ++st.tombstones;
}

void settle_stopped(supervisor_impl* self, child_record& rec,
                    const caf::error& reason) {
  auto& st = self->state;
  rec.status = child_status::terminated;
  rec.group = 0;
  if (st.pool_template || rec.spec->restart == restart_type::temporary) {
    remove_child(self, rec, reason);
  } else {
    tell_endpoint_down(self, rec, reason);
  }
}

void compact(supervisor_state& st) {
  if (st.busy || st.tombstones < 64 || st.tombstones * 2 < st.children.size())
    return;
  std::vector<child_record> live;
  live.reserve(st.children.size() - st.tombstones);
  for (auto& rec : st.children)
    if (!rec.deleted)
      live.push_back(std::move(rec));
  st.children = std::move(live);
  st.tombstones = 0;
  st.by_id.clear();
  st.by_addr.clear();
  for (size_t i = 0; i < st.children.size(); ++i) {
    st.by_id.emplace(st.children[i].id, i);
    if (st.children[i].current)
      st.by_addr.emplace(st.children[i].current.address(), i);
  }
}

} // namespace remedy::detail
