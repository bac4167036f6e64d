// adaptive_detector replayed through NAB's scoring on the two series kept
// in tests/eval/data/nab (always run): a regression floor for its raises
// and for its swept score, pinned a little below what it measured
// (2026-12-07: binary standard 79.2, swept standard 94.1), and the same
// replay gives the same rows.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "remedy/eval/nab_data.hpp"
#include "remedy/eval/nab_run.hpp"

using namespace remedy::nab;

namespace {

const std::string subset_dir = REMEDY_SOURCE_DIR "/tests/eval/data/nab";

} // namespace

TEST_CASE("nab: adaptive detector regression floor on the series kept in "
          "the repository",
          "[nab][adaptive]") {
  auto corpus = read_corpus(subset_dir, subset_dir + "/combined_windows.json");
  auto profiles = read_profiles(subset_dir + "/profiles.json");
  remedy::adaptive_detector_settings settings;
  std::vector<std::vector<bool>> raised;
  std::vector<std::vector<double>> scores;
  for (const auto& x : corpus) {
    auto r = replay_adaptive_detector(x.data, settings);
    auto again = replay_adaptive_detector(x.data, settings);
    CHECK(r.raised == again.raised);
    CHECK(r.scores == again.scores);
    REQUIRE(r.scores.size() == x.data.times.size());
    for (auto s : r.scores) {
      CHECK(s >= 0.0);
      CHECK(s <= 1.0);
    }
    raised.push_back(std::move(r.raised));
    scores.push_back(std::move(r.scores));
  }
  auto binary = score_corpus(corpus, raised, profiles);
  auto swept = sweep_corpus(corpus, scores, profiles);
  UNSCOPED_INFO("subset, adaptive detector, binary:\n" << markdown(binary));
  UNSCOPED_INFO("subset, adaptive detector, swept:\n" << markdown(swept));
  REQUIRE(binary.profiles.size() == 3);
  REQUIRE(swept.profiles.size() == 3);
  CHECK(binary.profiles[0].normalized >= 75.0);
  CHECK(binary.counts.detected >= 6);
  CHECK(binary.counts.false_positives <= 3);
  CHECK(swept.profiles[0].normalized >= 90.0);
  // The sweeper's best is at least as good as the raises' score, and no
  // profile beats a perfect detector.
  for (size_t k = 0; k < 3; ++k) {
    INFO(profiles[k].name);
    CHECK(swept.profiles[k].normalized <= 100.0);
    CHECK(binary.profiles[k].normalized <= 100.0);
  }
  CHECK(swept.windows == 7);
}
