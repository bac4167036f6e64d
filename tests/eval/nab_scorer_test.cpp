// The NAB scorer (remedy/eval/nab_scorer.hpp) against the cases of NAB's own
// scorer tests (numenta/NAB: tests/integration/scorer_test.py,
// true_positive_test.py, false_positive_test.py, false_negative_test.py,
// sweeper_test.py, and the older tests/unit/scorer_test.py), each TEST_CASE
// named after its case with the same inputs and expected values. NAB builds
// its files with `generateTimestamps` and `generateWindows`
// (nab/test_helpers.py): rows every 5 minutes, and numWindows windows of
// windowSize rows spaced round((length - numWindows * windowSize) /
// (numWindows + 1)) rows apart; `generate_windows` below gives the same rows.
// Python unittest's assertAlmostEqual(a, b, places) is
// round(a - b, places) == 0, i.e. |a - b| < 0.5e-places.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <random>
#include <vector>

#include "remedy/eval/nab_scorer.hpp"

using namespace remedy::nab;

namespace {

std::vector<window_span> generate_windows(size_t length, size_t num_windows,
                                          size_t window_size) {
  std::vector<window_span> out;
  if (num_windows == 0)
    return out;
  auto diff = static_cast<size_t>(
    std::lround(static_cast<double>(length - num_windows * window_size)
                / static_cast<double>(num_windows + 1)));
  for (size_t i = 0; i < num_windows; ++i) {
    auto first = diff * (i + 1) + window_size * i;
    out.push_back({first, first + window_size - 1});
  }
  return out;
}

// NAB's setUp: every weight 1.
cost_matrix unit_costs() {
  return {1.0, 1.0, 1.0, 1.0};
}

// NAB's scoreDataSet(timestamps, anomalyScores, windows, name, threshold)
// with probationPercent=0.
threshold_score score(const std::vector<double>& anomaly,
                      const std::vector<window_span>& windows,
                      const cost_matrix& costs, double threshold) {
  return score_file(anomaly, windows, costs, threshold, 0.0);
}

// NAB's _checkCounts(scoreRow, tn, tp, fp, fn).
void check_counts(const threshold_score& row, size_t tn, size_t tp, size_t fp,
                  size_t fn) {
  CHECK(row.tn == tn);
  CHECK(row.tp == tp);
  CHECK(row.fp == fp);
  CHECK(row.fn == fn);
}

bool almost_equal(double a, double b, int places) {
  return std::fabs(a - b) < 0.5 * std::pow(10.0, -places);
}

} // namespace

// -- tests/integration/scorer_test.py ------------------------------------------

TEST_CASE("nab: testNullCase", "[nab]") {
  size_t length = 10;
  std::vector<double> anomaly(length, 0.0);
  auto row = score(anomaly, {}, unit_costs(), 0.5);
  CHECK(row.score == 0.0);
  check_counts(row, 10, 0, 0, 0);
}

TEST_CASE("nab: testFalsePositiveScaling", "[nab]") {
  // NAB draws 10 random detections 20 times and wants the average score
  // within [-1.5, 0.5]; here from a fixed seed.
  size_t length = 100;
  auto windows = generate_windows(length, 1, 10);
  auto costs = unit_costs();
  costs.fp = 0.11;
  std::mt19937 rng{20150101};
  std::vector<size_t> all(length);
  for (size_t i = 0; i < length; ++i)
    all[i] = i;
  double sum = 0.0;
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> anomaly(length, 0.0);
    std::shuffle(all.begin(), all.end(), rng);
    for (size_t k = 0; k < 10; ++k)
      anomaly[all[k]] = 1.0;
    sum += score(anomaly, windows, costs, 0.5).score;
  }
  auto average = sum / 20.0;
  INFO("average " << average);
  CHECK(average >= -1.5);
  CHECK(average <= 0.5);
}

TEST_CASE("nab: testRewardLowFalseNegatives", "[nab]") {
  size_t length = 100, num_windows = 1, window_size = 10;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly(length, 0.0);
  auto costs_fn = unit_costs();
  costs_fn.fn = 2.0;
  costs_fn.fp = 0.055;
  auto row1 = score(anomaly, windows, unit_costs(), 0.5);
  auto row2 = score(anomaly, windows, costs_fn, 0.5);
  CHECK(row1.score == 0.5 * row2.score);
  CHECK(row1.score == -1.0);
  check_counts(row1, length - window_size * num_windows, 0, 0,
               window_size * num_windows);
  check_counts(row2, length - window_size * num_windows, 0, 0,
               window_size * num_windows);
}

TEST_CASE("nab: testRewardLowFalsePositives", "[nab]") {
  size_t length = 100;
  std::vector<double> anomaly(length, 0.0);
  anomaly[0] = 1.0; // FP
  auto costs_fp = unit_costs();
  costs_fp.fp = 2.0;
  costs_fp.fn = 0.5;
  auto row1 = score(anomaly, {}, unit_costs(), 0.5);
  auto row2 = score(anomaly, {}, costs_fp, 0.5);
  CHECK(row1.score == 0.5 * row2.score);
  CHECK(row1.score == -1.0);
  check_counts(row1, length - 1, 0, 1, 0);
  check_counts(row2, length - 1, 0, 1, 0);
}

TEST_CASE("nab: testScoringAllMetrics", "[nab]") {
  size_t length = 100, num_windows = 2, window_size = 5;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly(length, 0.0);
  auto index = windows[0].first;
  anomaly[index] = 1.0;     // TP
  anomaly[index + 1] = 1.0; // additional TP
  anomaly[index + 7] = 1.0; // FP
  auto row = score(anomaly, windows, unit_costs(), 0.5);
  INFO("score " << row.score);
  CHECK(almost_equal(row.score, -0.9540, 4));
  check_counts(row, length - window_size * num_windows - 1, 2, 1, 8);
}

// -- tests/integration/true_positive_test.py -----------------------------------

TEST_CASE("nab: testFirstTruePositiveWithinWindow", "[nab]") {
  size_t length = 10, num_windows = 1, window_size = 2;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly(length, 0.0);
  anomaly[windows[0].first] = 1.0;
  auto row = score(anomaly, windows, unit_costs(), 0.5);
  CHECK(row.score == unit_costs().tp);
  check_counts(row, length - window_size * num_windows, 1, 0,
               window_size * num_windows - 1);
}

TEST_CASE("nab: testEarlierTruePositiveIsBetter", "[nab]") {
  size_t length = 10, num_windows = 1, window_size = 2;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly1(length, 0.0), anomaly2(length, 0.0);
  anomaly1[windows[0].first] = 1.0;
  anomaly2[windows[0].last] = 1.0;
  auto row1 = score(anomaly1, windows, unit_costs(), 0.5);
  auto row2 = score(anomaly2, windows, unit_costs(), 0.5);
  CHECK(row1.score > row2.score);
  check_counts(row1, length - window_size * num_windows, 1, 0,
               window_size * num_windows - 1);
  check_counts(row2, length - window_size * num_windows, 1, 0,
               window_size * num_windows - 1);
}

TEST_CASE("nab: testOnlyScoreFirstTruePositiveWithinWindow", "[nab]") {
  size_t length = 10, num_windows = 1, window_size = 2;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly(length, 0.0);
  anomaly[windows[0].first] = 1.0;
  auto row1 = score(anomaly, windows, unit_costs(), 0.5);
  anomaly[windows[0].last] = 1.0;
  auto row2 = score(anomaly, windows, unit_costs(), 0.5);
  CHECK(row1.score == row2.score);
  check_counts(row1, length - window_size * num_windows, 1, 0,
               window_size * num_windows - 1);
  check_counts(row2, length - window_size * num_windows, 2, 0,
               window_size * num_windows - 2);
}

TEST_CASE("nab: testTruePositivesWithDifferentWindowSizes", "[nab]") {
  size_t length = 10, num_windows = 1;
  size_t size1 = 2, size2 = 3;
  auto windows1 = generate_windows(length, num_windows, size1);
  auto windows2 = generate_windows(length, num_windows, size2);
  std::vector<double> anomaly1(length, 0.0), anomaly2(length, 0.0);
  anomaly1[windows1[0].first] = 1.0;
  anomaly2[windows2[0].first] = 1.0;
  auto row1 = score(anomaly1, windows1, unit_costs(), 0.5);
  auto row2 = score(anomaly2, windows2, unit_costs(), 0.5);
  CHECK(row1.score == row2.score);
  check_counts(row1, length - size1 * num_windows, 1, 0,
               size1 * num_windows - 1);
  check_counts(row2, length - size2 * num_windows, 1, 0,
               size2 * num_windows - 1);
}

TEST_CASE("nab: testTruePositiveAtRightEdgeOfWindow", "[nab]") {
  size_t length = 1000, num_windows = 1, window_size = 100;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly(length, 0.0);
  auto index = windows[0].last;
  anomaly[index] = 1.0; // TP at the right edge
  auto row1 = score(anomaly, windows, unit_costs(), 0.5);
  anomaly[index] = 0.0;
  anomaly[index + 1] = 1.0; // FP just after the window
  auto row2 = score(anomaly, windows, unit_costs(), 0.5);
  INFO("scores " << row1.score << " and " << row2.score);
  CHECK(almost_equal(row1.score + row2.score + 1.0, 0.0, 3));
  check_counts(row1, length - window_size * num_windows, 1, 0,
               window_size * num_windows - 1);
  check_counts(row2, length - window_size * num_windows - 1, 0, 1,
               window_size * num_windows);
}

// -- tests/integration/false_positive_test.py ----------------------------------

TEST_CASE("nab: testFalsePositiveMeansNegativeScore", "[nab]") {
  size_t length = 1000, num_windows = 1, window_size = 10;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly(length, 0.0);
  anomaly[0] = 1.0;
  auto row = score(anomaly, windows, unit_costs(), 0.5);
  CHECK(row.score < 0.0);
  check_counts(row, length - window_size * num_windows - 1, 0, 1,
               window_size * num_windows);
}

TEST_CASE("nab: testTwoFalsePositivesIsWorseThanOne", "[nab]") {
  size_t length = 1000, num_windows = 1, window_size = 10;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly(length, 0.0);
  anomaly[0] = 1.0;
  auto row1 = score(anomaly, windows, unit_costs(), 0.5);
  anomaly[1] = 1.0;
  auto row2 = score(anomaly, windows, unit_costs(), 0.5);
  CHECK(row2.score < row1.score);
  check_counts(row1, length - window_size * num_windows - 1, 0, 1,
               window_size * num_windows);
  check_counts(row2, length - window_size * num_windows - 2, 0, 2,
               window_size * num_windows);
}

TEST_CASE("nab: testOneFalsePositiveNoWindow", "[nab]") {
  size_t length = 1000;
  std::vector<double> anomaly(length, 0.0);
  anomaly[0] = 1.0;
  auto row = score(anomaly, generate_windows(length, 0, 10), unit_costs(), 0.5);
  CHECK(row.score == -unit_costs().fp);
  check_counts(row, length - 1, 0, 1, 0);
}

TEST_CASE("nab: testEarlierFalsePositiveAfterWindowIsBetter", "[nab]") {
  size_t length = 10, num_windows = 1, window_size = 2;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly1(length, 0.0), anomaly2(length, 0.0);
  auto index1 = windows[0].last + 1;
  anomaly1[index1] = 1.0;
  anomaly2[index1 + 1] = 1.0;
  auto row1 = score(anomaly1, windows, unit_costs(), 0.5);
  auto row2 = score(anomaly2, windows, unit_costs(), 0.5);
  CHECK(row1.score > row2.score);
  check_counts(row1, length - window_size * num_windows - 1, 0, 1,
               window_size * num_windows);
  check_counts(row2, length - window_size * num_windows - 1, 0, 1,
               window_size * num_windows);
}

// -- tests/integration/false_negative_test.py ----------------------------------

TEST_CASE("nab: testFalseNegativeCausesNegativeScore", "[nab]") {
  size_t length = 1000, num_windows = 1, window_size = 10;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly(length, 0.0);
  auto row = score(anomaly, windows, unit_costs(), 1.0);
  CHECK(row.score == -unit_costs().fn);
  check_counts(row, length - window_size * num_windows, 0, 0,
               window_size * num_windows);
}

TEST_CASE("nab: testFourFalseNegatives", "[nab]") {
  size_t length = 2000, num_windows = 4, window_size = 10;
  auto windows = generate_windows(length, num_windows, window_size);
  std::vector<double> anomaly(length, 0.0);
  auto row = score(anomaly, windows, unit_costs(), 1.0);
  CHECK(row.score == 4 * -unit_costs().fn);
  check_counts(row, length - window_size * num_windows, 0, 0,
               window_size * num_windows);
}

// -- tests/integration/sweeper_test.py -----------------------------------------
// (testOptimizerInit and testSetCostMatrix check Python attributes of the
// Sweeper object; there is no such object here.)

TEST_CASE("nab: testGetProbationaryLength", "[nab]") {
  struct row {
    size_t rows;
    double percent;
    size_t expected;
  };
  for (auto x : {row{100, 0.0, 0}, row{100, 1.0, 100}, row{100, 0.1, 10},
                 row{100, 0.15, 15}, row{5000, 0.1, 500},
                 row{6000, 0.1, 500}}) {
    INFO(x.rows << " rows, " << x.percent);
    CHECK(probationary_length(x.rows, x.percent) == x.expected);
  }
}

TEST_CASE("nab: testCalcSweepScoreWindowScoreInteraction", "[nab]") {
  size_t num_rows = 100;
  std::vector<window_span> windows{{30, 39}, {75, 95}};
  size_t expected_in_window = (39 - 30 + 1) + (95 - 75 + 1);
  cost_matrix costs{1.0, 0.11, 1.0, 1.0};
  double probation = 0.1;
  auto rows = sweep_rows(num_rows, windows, costs, probation);
  REQUIRE(rows.size() == num_rows);
  size_t probationary = 0, in_window = 0;
  for (const auto& r : rows) {
    if (r.window == scored_row::probationary)
      ++probationary;
    else if (r.window != scored_row::no_window)
      ++in_window;
  }
  CHECK(probationary == probationary_length(num_rows, probation));
  CHECK(probationary == 10);
  CHECK(in_window == expected_in_window);
  for (size_t i = 0; i < num_rows; ++i) {
    INFO("row " << i);
    bool scored_in_window = rows[i].window != scored_row::probationary
                            && rows[i].window != scored_row::no_window;
    if (scored_in_window)
      CHECK(rows[i].worth > 0.0);
    else
      CHECK(rows[i].worth < 0.0);
  }
}

namespace {

// NAB's AnomalyPoint(timestamp, anomalyScore, sweepScore, windowName) as a
// row of one file: windowA is window 0, windowB window 1.
constexpr size_t window_a = 0;
constexpr size_t window_b = 1;
constexpr size_t none = scored_row::no_window;
constexpr size_t probationary = scored_row::probationary;

struct fake_point {
  double anomaly;
  double worth;
  size_t window;
};

std::vector<threshold_score> by_threshold(const std::vector<fake_point>& xs,
                                          double fn_weight) {
  std::vector<double> anomaly;
  std::vector<scored_row> rows;
  for (const auto& x : xs) {
    anomaly.push_back(x.anomaly);
    rows.push_back({x.worth, x.window});
  }
  return scores_by_threshold({{&anomaly, &rows}}, fn_weight);
}

} // namespace

TEST_CASE("nab: testPrepAnomalyListForScoring", "[nab]") {
  // NAB checks its private sort (highest anomaly first, stable, without the
  // probationary rows); here what it decides: the thresholds in that order,
  // and probationary rows counted nowhere.
  auto out = by_threshold({{0.5, 0, probationary},
                           {0.5, 0, probationary},
                           {0.0, 0, none},
                           {0.1, 0, none},
                           {0.2, 0, window_a},
                           {0.5, 0, window_b},
                           {0.5, 0, none},
                           {0.0, 0, none}},
                          1.0);
  std::vector<double> thresholds;
  for (const auto& s : out) {
    thresholds.push_back(s.threshold);
    CHECK(s.total == 6);
  }
  CHECK(thresholds == std::vector<double>{1.1, 0.5, 0.2, 0.1, 0.0});
}

TEST_CASE("nab: testPrepareScoreParts", "[nab]") {
  // One part for all false positives (0) and one per window name, each
  // -fnWeight: before any detection the score is their sum.
  auto out = by_threshold({{0.5, 0, probationary},
                           {0.5, 0, probationary},
                           {0.0, 0, none},
                           {0.2, 0, window_a},
                           {0.2, 0, window_a},
                           {0.5, 0, window_b},
                           {0.5, 0, none}},
                          33.0);
  REQUIRE(!out.empty());
  CHECK(out.front().threshold == 1.1);
  CHECK(out.front().score == -66.0);
}

TEST_CASE("nab: testCalcScoreByThresholdReturnsExpectedScores", "[nab]") {
  double fn = 5.0;
  auto actual = by_threshold({{0.5, -1000, probationary},
                              {0.5, -1000, probationary},
                              {0.0, -3, none},
                              {0.2, 20, window_a},
                              {0.3, 10, window_a},
                              {0.5, 5, window_b},
                              {0.5, -3, none}},
                             fn);
  std::vector<threshold_score> expected{
    {1.1, -2 * fn, 0, 2, 0, 3, 5},
    {0.5, 5 - 3 - fn, 1, 1, 1, 2, 5},
    {0.3, 5 - 3 + 10, 2, 1, 1, 1, 5},
    {0.2, 5 - 3 + 20, 3, 1, 1, 0, 5},
    {0.0, 5 - 3 + 20 - 3, 3, 0, 2, 0, 5},
  };
  REQUIRE(actual.size() == expected.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    INFO("entry " << k);
    CHECK(actual[k].threshold == expected[k].threshold);
    CHECK(actual[k].score == expected[k].score);
    CHECK(actual[k].tp == expected[k].tp);
    CHECK(actual[k].tn == expected[k].tn);
    CHECK(actual[k].fp == expected[k].fp);
    CHECK(actual[k].fn == expected[k].fn);
    CHECK(actual[k].total == expected[k].total);
  }
  // The optimizer's pick: the highest score.
  CHECK(best_threshold(actual).threshold == 0.2);
}

// -- tests/unit/scorer_test.py (NAB's older Scorer: probationary period as a
// row count; COST_MATRIX tp 1.1, tn 1.0, fp 0.11, fn 1.2) -------------------------

namespace {

const cost_matrix unit_test_costs{1.1, 0.11, 1.2, 1.0};

double unit_score(const std::vector<bool>& predictions,
                  const std::vector<window_span>& windows,
                  size_t probationary_rows) {
  return score_detections(predictions, windows, unit_test_costs,
                          probation::first_rows(probationary_rows))
    .score;
}

} // namespace

TEST_CASE("nab: testNull", "[nab]") {
  CHECK(unit_score({0, 0, 0, 0, 0}, {}, 0) == Approx(0.0));
}

TEST_CASE("nab: testFalsePositives", "[nab]") {
  CHECK(unit_score({0, 1, 0, 1, 0}, {}, 0)
        == Approx(-2.0 * unit_test_costs.fp));
}

TEST_CASE("nab: testFalseNegatives", "[nab]") {
  CHECK(unit_score({0, 0, 0, 0, 0, 0, 0}, {{1, 2}, {4, 5}}, 0)
        == Approx(-2.0 * unit_test_costs.fn));
}

TEST_CASE("nab: testFalsePositivesInProbationary", "[nab]") {
  CHECK(unit_score({0, 1, 0, 1, 0}, {}, 4) == Approx(0.0));
}

TEST_CASE("nab: testFalsePositivesBeforeAndAfterProbationary", "[nab]") {
  CHECK(unit_score({0, 1, 0, 1, 0}, {}, 3)
        == Approx(-1.0 * unit_test_costs.fp));
}

TEST_CASE("nab: testTruePositives1", "[nab]") {
  auto first = 0.8482836399575131 * unit_test_costs.tp / 0.9866142981514305;
  CHECK(unit_score({0, 0, 1, 0, 0, 0, 0}, {{1, 2}}, 0) == Approx(first));
}

TEST_CASE("nab: testTruePositives1WithFN", "[nab]") {
  auto first = 0.8482836399575131 * unit_test_costs.tp / 0.9866142981514305;
  auto second = -1.0 * unit_test_costs.fn;
  CHECK(unit_score({0, 0, 1, 0, 0, 0, 0}, {{1, 2}, {4, 5}}, 0)
        == Approx(first + second));
}

TEST_CASE("nab: testTruePositives2", "[nab]") {
  auto second = 0.9866142981514305 * unit_test_costs.tp / 0.9866142981514305;
  CHECK(unit_score({0, 0, 0, 0, 1, 0, 0}, {{4, 5}}, 0) == Approx(second));
}

TEST_CASE("nab: testTruePositives3", "[nab]") {
  auto second = 0.9866142981514305 * unit_test_costs.tp / 0.9866142981514305;
  CHECK(unit_score({0, 0, 0, 0, 1, 1, 0}, {{4, 5}}, 0) == Approx(second));
}

TEST_CASE("nab: testTruePositivesMultiple", "[nab]") {
  auto first = 0.8482836399575131 * unit_test_costs.tp / 0.9866142981514305;
  auto second = 0.9866142981514305 * unit_test_costs.tp / 0.9866142981514305;
  CHECK(unit_score({0, 0, 1, 0, 1, 0, 0}, {{1, 2}, {4, 5}}, 0)
        == Approx(first + second));
}

// -- beyond NAB's cases ---------------------------------------------------------

TEST_CASE("nab: scaled sigmoid values from NAB's docstring", "[nab]") {
  CHECK(scaled_sigmoid(-1.0) == Approx(0.98661).epsilon(1e-5));
  CHECK(scaled_sigmoid(-0.5) == Approx(0.84828).epsilon(1e-5));
  CHECK(scaled_sigmoid(0.0) == 0.0);
  CHECK(scaled_sigmoid(1.0) == Approx(-0.98661).epsilon(1e-5));
  CHECK(scaled_sigmoid(3.0) == -1.0);
}

TEST_CASE("nab: a window inside the probationary period is neither hit nor "
          "missed",
          "[nab]") {
  // 100 rows, probationary 15: window [5, 9] is not scored, window
  // [50, 54] is; a detection in the first counts for nothing.
  std::vector<bool> det(100, false);
  det[5] = true;
  std::vector<window_span> windows{{5, 9}, {50, 54}};
  auto row = score_detections(det, windows, standard_profiles()[0].costs);
  CHECK(row.score == -1.0);
  CHECK(row.total == 85);
  CHECK(scorable_windows(100, windows) == 1);
  // A detection just after the probationary period is weighed against the
  // window that ended inside it: 6 rows past a 5-row window.
  det[15] = true;
  auto row2 = score_detections(det, windows, standard_profiles()[0].costs);
  CHECK(row2.score == Approx(-1.0 + 0.11 * scaled_sigmoid(6.0 / 4.0)));
  auto counts = count_windows(det, windows);
  CHECK(counts.windows == 1);
  CHECK(counts.detected == 0);
  CHECK(counts.false_positives == 1);
}

TEST_CASE("nab: normalisation against the null and perfect detectors",
          "[nab]") {
  auto costs = standard_profiles()[0].costs;
  // 67 windows, all scorable: never raising is 0, a perfect detector 100.
  CHECK(normalized_score(-67.0, 67, 67, costs) == 0.0);
  CHECK(normalized_score(67.0, 67, 67, costs) == 100.0);
  CHECK(normalized_score(0.0, 67, 67, costs) == 50.0);
  auto low_fn = standard_profiles()[2].costs;
  CHECK(normalized_score(-2.0 * 67, 67, 67, low_fn) == 0.0);
  // A perfect detector scores exactly its windows' tp weight per file.
  std::vector<bool> det(1000, false);
  std::vector<window_span> windows{{300, 340}, {700, 760}};
  det[300] = det[700] = true;
  CHECK(score_detections(det, windows, costs).score == 2.0);
}

TEST_CASE("nab: window precision, recall and F1", "[nab]") {
  std::vector<bool> det(200, false);
  std::vector<window_span> windows{{50, 59}, {100, 109}, {150, 159}};
  det[10] = true; // probationary (30 rows): ignored
  det[52] = det[55] = true; // window 0, twice
  det[120] = det[121] = true; // two false positives
  det[159] = true; // window 2, at its last row
  auto c = count_windows(det, windows);
  CHECK(c.windows == 3);
  CHECK(c.detected == 2);
  CHECK(c.false_positives == 2);
  CHECK(c.detections_in_windows == 3);
  CHECK(c.precision() == Approx(0.5));
  CHECK(c.recall() == Approx(2.0 / 3.0));
  CHECK(c.f1() == Approx(2 * 0.5 * (2.0 / 3.0) / (0.5 + 2.0 / 3.0)));
}

TEST_CASE("nab: a corpus sweep picks the threshold with the best total",
          "[nab]") {
  auto costs = standard_profiles()[0].costs;
  // Two files: the first's window is best caught at 0.8, and a threshold of
  // 0.6 would add a false positive in the second.
  std::vector<double> a(100, 0.1), b(100, 0.1);
  a[40] = 0.8;
  b[60] = 0.6;
  std::vector<window_span> wa{{40, 49}}, wb{};
  auto ra = sweep_rows(100, wa, costs);
  auto rb = sweep_rows(100, wb, costs);
  auto all = scores_by_threshold({{&a, &ra}, {&b, &rb}}, costs.fn);
  auto best = best_threshold(all);
  CHECK(best.threshold == 0.8);
  CHECK(best.score == Approx(1.0));
  CHECK(score_file(a, wa, costs, best.threshold).score
          + score_file(b, wb, costs, best.threshold).score
        == Approx(best.score));
  CHECK_THROWS_AS(sweep_rows(10, {{5, 12}}, costs), std::invalid_argument);
}
