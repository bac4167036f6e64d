// The runtime's two small containers, checked against the standard ones
// they replace on hot paths: detail::key_set (a bulkhead's permit holders)
// against std::unordered_set, detail::slot_map (a route's calls) against
// std::unordered_map, over long random operation sequences.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "remedy/core/detail/key_set.hpp"
#include "remedy/core/detail/slot_map.hpp"

using remedy::detail::key_set;
using remedy::detail::slot_map;

TEST_CASE("key_set: insert, erase and count match std::unordered_set",
          "[runtime][key_set]") {
  std::mt19937_64 rng{42};
  // Few distinct keys force collisions, deletions inside probe runs and the
  // key 0; structured keys (serial << 32 | index) are what routes use.
  auto key_kind = GENERATE(0, 1, 2);
  auto next_key = [&]() -> uint64_t {
    switch (key_kind) {
      case 0:
        return rng() % 97; // includes 0
      case 1:
        return (rng() % 8 + 1) << 32 | (rng() % 64);
      default:
        return rng();
    }
  };
  key_set xs;
  std::unordered_set<uint64_t> ref;
  std::vector<uint64_t> inserted;
  for (int step = 0; step < 200000; ++step) {
    auto op = rng() % 3;
    uint64_t key = (op == 1 && !inserted.empty() && rng() % 2 == 0)
                     ? inserted[rng() % inserted.size()]
                     : next_key();
    if (op == 0) {
      REQUIRE(xs.insert(key) == ref.insert(key).second);
      inserted.push_back(key);
    } else if (op == 1) {
      REQUIRE(xs.erase(key) == ref.erase(key));
    } else {
      REQUIRE(xs.count(key) == ref.count(key));
    }
    REQUIRE(xs.size() == ref.size());
  }
  for (auto key : ref)
    CHECK(xs.count(key) == 1);
  xs.clear();
  CHECK(xs.empty());
  for (auto key : ref)
    CHECK(xs.count(key) == 0);
}

TEST_CASE("key_set: an empty set finds nothing and erases nothing",
          "[runtime][key_set]") {
  key_set xs;
  CHECK(xs.count(0) == 0);
  CHECK(xs.count(7) == 0);
  CHECK(xs.erase(7) == 0);
  CHECK(xs.erase(0) == 0);
  CHECK(xs.insert(0));
  CHECK_FALSE(xs.insert(0));
  CHECK(xs.size() == 1);
  CHECK(xs.erase(0) == 1);
  CHECK(xs.empty());
}

TEST_CASE("slot_map: keys find their values until erased, never another's",
          "[runtime][slot_map]") {
  std::mt19937_64 rng{7};
  slot_map<std::string> xs;
  std::unordered_map<uint64_t, std::string> ref;
  std::vector<uint64_t> stale; // erased keys: must never find anything
  std::vector<uint64_t> live;
  for (int step = 0; step < 100000; ++step) {
    if (live.empty() || rng() % 2 == 0) {
      auto value = std::to_string(step);
      auto key = xs.insert(value);
      REQUIRE(key != 0);
      REQUIRE(ref.emplace(key, value).second); // keys are never reused live
      live.push_back(key);
    } else {
      auto i = rng() % live.size();
      auto key = live[i];
      live[i] = live.back();
      live.pop_back();
      REQUIRE(xs.erase(key));
      REQUIRE_FALSE(xs.erase(key));
      ref.erase(key);
      stale.push_back(key);
    }
    REQUIRE(xs.size() == ref.size());
  }
  for (auto& [key, value] : ref) {
    auto* x = xs.find(key);
    REQUIRE(x != nullptr);
    CHECK(*x == value);
    CHECK(xs.at_index(slot_map<std::string>::index_of(key)) == x);
    CHECK(xs.key_at(slot_map<std::string>::index_of(key)) == key);
  }
  for (auto key : stale)
    CHECK(xs.find(key) == nullptr);
  size_t visited = 0;
  xs.for_each([&](uint64_t key, std::string& value) {
    ++visited;
    CHECK(ref.at(key) == value);
  });
  CHECK(visited == ref.size());
  xs.clear();
  CHECK(xs.empty());
  for (auto& kv : ref)
    CHECK(xs.find(kv.first) == nullptr);
}

TEST_CASE("slot_map: references stay valid while the map grows",
          "[runtime][slot_map]") {
  slot_map<int> xs;
  auto first = xs.insert(1);
  auto* p = xs.find(first);
  for (int i = 0; i < 10000; ++i)
    xs.insert(i);
  CHECK(xs.find(first) == p);
  CHECK(*p == 1);
}
