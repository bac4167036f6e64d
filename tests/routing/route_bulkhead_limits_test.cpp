// route_stats reports the default bulkhead pool's current limits, as the
// last resize left them (what the strategy "throttle" reads).

#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>

#include "remedy/routing/bulkhead_settings.hpp"
#include "remedy/routing/route.hpp"
#include "remedy/routing/route_actor.hpp"
#include "remedy/routing/route_settings.hpp"
#include "remedy/routing/route_stats.hpp"
#include "remedy/routing/type_ids.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;

namespace {

caf::behavior echo() {
  return {[](int x) { return x; }};
}

struct limits_fixture : fixture {
  caf::actor tgt = track(sys.spawn(echo));

  caf::actor make_route(route_settings s) {
    auto r = spawn_route(sys, tgt, std::move(s));
    REQUIRE(r);
    track(*r);
    run();
    return *r;
  }

  route_stats stats(const caf::actor& r) {
    auto x = ask<route_stats>(r, route_stats_atom::value);
    REQUIRE(x);
    return *x;
  }
};

} // namespace

TEST_CASE_METHOD(limits_fixture,
                 "route_stats reports the default bulkhead pool's limits, as "
                 "resized",
                 "[routing][bulkhead]") {
  route_settings s;
  s.name = "limits";
  s.bulkhead.emplace();
  s.bulkhead->max_concurrent = 5;
  s.bulkhead->max_queue = 3;
  bulkhead_settings other;
  other.name = "batch";
  other.max_concurrent = 9;
  other.max_queue = 7;
  s.pools.push_back(other);
  auto r = make_route(s);
  auto st = stats(r);
  CHECK(st.bulkhead_max_concurrent == 5);
  CHECK(st.bulkhead_max_queue == 3);
  REQUIRE_FALSE(
    ask_unit(r, bulkhead_resize_atom::value, uint32_t{2}, uint32_t{1}));
  st = stats(r);
  CHECK(st.bulkhead_max_concurrent == 2);
  CHECK(st.bulkhead_max_queue == 1);
  // Another pool's resize leaves the default pool's limits as they are.
  REQUIRE_FALSE(ask_unit(r, bulkhead_resize_atom::value, std::string{"batch"},
                         uint32_t{4}, uint32_t{0}));
  st = stats(r);
  CHECK(st.bulkhead_max_concurrent == 2);
  CHECK(st.bulkhead_max_queue == 1);
  // A refused resize changes nothing.
  CHECK(ask_unit(r, bulkhead_resize_atom::value, uint32_t{0}, uint32_t{0}));
  CHECK(stats(r).bulkhead_max_concurrent == 2);
  // Without a bulkhead: both 0.
  route_settings plain;
  plain.name = "plain";
  auto p = make_route(plain);
  st = stats(p);
  CHECK(st.bulkhead_max_concurrent == 0);
  CHECK(st.bulkhead_max_queue == 0);
}
