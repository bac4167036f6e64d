// The NAB reader (remedy/eval/nab_data.hpp) and the corpus replay
// (remedy/eval/nab_run.hpp): on the two series kept in tests/eval/data/nab
// (always run), on bad input (errors name file and line), and on the whole
// tuning set in ../shared/data/nab-tune (or $REMEDY_NAB_DIR) when it is
// there: it is not part of the repository, so without it that case WARNs
// and checks nothing.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "remedy/detection/detector_set.hpp"
#include "remedy/eval/nab_data.hpp"
#include "remedy/eval/nab_run.hpp"

using namespace remedy::nab;

namespace {

const std::string subset_dir = REMEDY_SOURCE_DIR "/tests/eval/data/nab";

std::string tuning_dir() {
  if (const char* env = std::getenv("REMEDY_NAB_DIR"))
    return env;
  return REMEDY_SOURCE_DIR "/../shared/data/nab-tune";
}

bool exists(const std::string& path) {
  std::ifstream in(path);
  return static_cast<bool>(in);
}

// A file in the build's working directory, removed at scope exit.
struct temp_file {
  std::string path;
  temp_file(const std::string& name, const std::string& text)
    : path("nab_data_test_" + name) {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  ~temp_file() {
    std::remove(path.c_str());
  }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const data_error& e) {
    return e.what();
  }
  return "(no error)";
}

// A detector that raises at the first row of every window: NAB's perfect
// detector.
std::vector<bool> perfect(const labelled_series& x) {
  std::vector<bool> out(x.data.times.size(), false);
  for (const auto& w : x.windows)
    out[w.first] = true;
  return out;
}

} // namespace

TEST_CASE("nab: timestamps parse and format", "[nab]") {
  timestamp t = 0;
  REQUIRE(parse_timestamp("1970-01-01 00:00:00", t));
  CHECK(t == 0);
  REQUIRE(parse_timestamp("2015-09-11 15:34:00.000000", t));
  CHECK(format_timestamp(t) == "2015-09-11 15:34:00");
  timestamp u = 0;
  REQUIRE(parse_timestamp("2015-09-11 15:34:00", u));
  CHECK(t == u);
  REQUIRE(parse_timestamp("2016-02-29 23:59:59.5", t));
  CHECK(format_timestamp(t) == "2016-02-29 23:59:59.500000");
  // 2015-09-11 15:34:00 UTC is 1441985640 s after the epoch.
  CHECK(u == 1441985640LL * 1000000);
  CHECK_FALSE(parse_timestamp("2015-02-29 00:00:00", t));
  CHECK_FALSE(parse_timestamp("2015-09-11T15:34:00", t));
  CHECK_FALSE(parse_timestamp("2015-09-11 15:34", t));
  CHECK_FALSE(parse_timestamp("2015-09-11 24:00:00", t));
  CHECK_FALSE(parse_timestamp("2015-09-11 15:34:00.1234567", t));
}

TEST_CASE("nab: reads the series and windows kept in the repository",
          "[nab]") {
  auto corpus = read_corpus(subset_dir, subset_dir + "/combined_windows.json");
  REQUIRE(corpus.size() == 2);
  // Row indices as Python's csv module and list.index find them in the
  // files (the windows' timestamps are rows exactly).
  const auto& ex = corpus[0];
  CHECK(ex.data.name == "realAdExchange/exchange-3_cpc_results.csv");
  CHECK(ex.data.times.size() == 1538);
  CHECK(format_timestamp(ex.data.times.front()) == "2011-07-01 00:15:01");
  CHECK(ex.data.values.front() == 0.102708933718);
  CHECK(format_timestamp(ex.data.times.back()) == "2011-09-07 14:15:01");
  CHECK(ex.data.values.back() == 0.188106242497);
  REQUIRE(ex.windows.size() == 3);
  CHECK(ex.windows[0].first == 271);
  CHECK(ex.windows[0].last == 321);
  CHECK(ex.windows[1].first == 413);
  CHECK(ex.windows[1].last == 463);
  CHECK(ex.windows[2].first == 952);
  CHECK(ex.windows[2].last == 1002);
  const auto& sp = corpus[1];
  CHECK(sp.data.name == "realTraffic/speed_7578.csv");
  CHECK(sp.data.times.size() == 1127);
  CHECK(sp.data.values.front() == 73.0);
  CHECK(sp.data.values.back() == 27.0);
  REQUIRE(sp.windows.size() == 4);
  CHECK(sp.windows[0].first == 303);
  CHECK(sp.windows[0].last == 331);
  CHECK(sp.windows[3].first == 945);
  CHECK(sp.windows[3].last == 973);
  CHECK(probationary_length(1538) == 230);
  CHECK(probationary_length(1127) == 169);
  auto profiles = read_profiles(subset_dir + "/profiles.json");
  REQUIRE(profiles.size() == 3);
  CHECK(profiles[0].name == "standard");
  CHECK(profiles[0].costs.fp == 0.11);
  CHECK(profiles[1].name == "reward_low_FP_rate");
  CHECK(profiles[1].costs.fp == 0.22);
  CHECK(profiles[2].name == "reward_low_FN_rate");
  CHECK(profiles[2].costs.fn == 2.0);
}

TEST_CASE("nab: reader errors name the file and line", "[nab]") {
  temp_file header("header.csv", "time,value\n2015-01-01 00:00:00,1\n");
  CHECK_THAT(error_of([&] { read_series(header.path, "x"); }),
             Catch::Contains(header.path + ":1:")
               && Catch::Contains("header"));
  temp_file stamp("stamp.csv", "timestamp,value\n2015-01-01 00:00:00,1\n"
                               "2015-01-01 00:05,2\n");
  CHECK_THAT(error_of([&] { read_series(stamp.path, "x"); }),
             Catch::Contains(stamp.path + ":3:")
               && Catch::Contains("bad timestamp '2015-01-01 00:05'"));
  temp_file value("value.csv", "timestamp,value\r\n2015-01-01 00:00:00,1\r\n"
                               "2015-01-01 00:05:00,1.5\r\n"
                               "2015-01-01 00:10:00,abc\r\n");
  CHECK_THAT(error_of([&] { read_series(value.path, "x"); }),
             Catch::Contains(value.path + ":4:")
               && Catch::Contains("bad value 'abc'"));
  temp_file order("order.csv", "timestamp,value\n2015-01-01 00:05:00,1\n"
                               "2015-01-01 00:05:00,2\n"
                               "2015-01-01 00:04:59,3\n");
  CHECK_THAT(error_of([&] { read_series(order.path, "x"); }),
             Catch::Contains(order.path + ":4:")
               && Catch::Contains("before the previous row's"));
  temp_file fields("fields.csv", "timestamp,value\n2015-01-01 00:05:00,1,2\n");
  CHECK_THAT(error_of([&] { read_series(fields.path, "x"); }),
             Catch::Contains(fields.path + ":2:"));
  CHECK_THAT(error_of([&] { read_series("no/such/file.csv", "x"); }),
             Catch::Contains("no/such/file.csv: cannot open"));
  temp_file json("bad.json", "{\"a.csv\": [[\"2015-01-01 00:00:00\"]]}");
  CHECK_THAT(error_of([&] { read_windows(json.path); }),
             Catch::Contains(json.path) && Catch::Contains("\"a.csv\"")
               && Catch::Contains("window 0"));
  temp_file notjson("notjson.json", "{\"a.csv\": [");
  CHECK_THAT(error_of([&] { read_windows(notjson.path); }),
             Catch::Contains(notjson.path + ": not JSON"));
  // A window that holds no row of its series.
  series s;
  s.name = "a.csv";
  s.times = {0, 1000000, 2000000};
  s.values = {1, 2, 3};
  timestamp late = 0;
  REQUIRE(parse_timestamp("1999-01-01 00:00:00", late));
  CHECK_THAT(error_of([&] { to_spans(s, {{late, late}}); }),
             Catch::Contains("a.csv: window [1999-01-01 00:00:00")
               && Catch::Contains("holds no row"));
  // A valid file with a final newline and CRLF endings reads.
  temp_file good("good.csv", "timestamp,value\r\n2015-01-01 00:00:00,1\r\n"
                             "2015-01-01 00:05:00.250000,-2.5e1\r\n");
  auto g = read_series(good.path, "good");
  // Equal timestamps are rows (NAB's realAdExchange has some); a window
  // ends at the first row stamped with its end, as in NAB.
  series dup;
  dup.name = "dup.csv";
  dup.times = {0, 1, 1, 1, 2};
  dup.values = {0, 0, 0, 0, 0};
  auto spans = to_spans(dup, {{1, 1}});
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].first == 1);
  CHECK(spans[0].last == 1);
  REQUIRE(g.values.size() == 2);
  CHECK(g.values[1] == -25.0);
  CHECK(g.times[1] - g.times[0] == 300250000);
}

TEST_CASE("nab: regression check on the series kept in the repository",
          "[nab]") {
  auto corpus = read_corpus(subset_dir, subset_dir + "/combined_windows.json");
  auto profiles = read_profiles(subset_dir + "/profiles.json");
  // Through reader and scorer: the perfect detector scores 100 and the
  // null detector 0 under every profile.
  std::vector<std::vector<bool>> best, none;
  for (const auto& x : corpus) {
    best.push_back(perfect(x));
    none.emplace_back(x.data.times.size(), false);
  }
  auto top = score_corpus(corpus, best, profiles);
  auto zero = score_corpus(corpus, none, profiles);
  CHECK(top.windows == 7);
  CHECK(top.scorable_windows == 7);
  for (size_t k = 0; k < profiles.size(); ++k) {
    INFO(profiles[k].name);
    CHECK(top.profiles[k].normalized == Approx(100.0));
    CHECK(zero.profiles[k].normalized == Approx(0.0).margin(1e-12));
  }
  CHECK(top.counts.f1() == 1.0);
  CHECK(zero.counts.recall() == 0.0);
  // The EWMA baseline anomaly detector, replayed twice: the same raises, and
  // the corpus score is the sum of the files' scores.
  auto settings = remedy::nab::ewma_baseline();
  std::vector<std::vector<bool>> raised;
  for (const auto& x : corpus) {
    auto a = replay_anomaly_detector(x.data, settings);
    CHECK(a == replay_anomaly_detector(x.data, settings));
    raised.push_back(a);
  }
  auto got = score_corpus(corpus, raised, profiles);
  double sum = 0.0;
  size_t fps = 0;
  for (size_t k = 0; k < corpus.size(); ++k) {
    sum += score_detections(raised[k], corpus[k].windows, profiles[0].costs)
             .score;
    fps += count_windows(raised[k], corpus[k].windows).false_positives;
  }
  CHECK(got.profiles[0].raw == Approx(sum));
  CHECK(got.counts.false_positives == fps);
  CHECK(got.profiles[0].normalized <= 100.0);
  // Whatever it raised, no profile beats the perfect detector.
  for (const auto& p : got.profiles)
    CHECK(p.normalized <= 100.0);
  UNSCOPED_INFO("subset, EWMA baseline anomaly detector:\n" << markdown(got));
  CHECK(got.files == 2);
}

TEST_CASE("nab: the tuning set reads whole (when present)", "[nab]") {
  auto dir = tuning_dir();
  if (!exists(dir + "/combined_windows.json")) {
    WARN("NAB tuning set not found at " << dir
                                        << " (set REMEDY_NAB_DIR): skipped");
    return;
  }
  auto windows = read_windows(dir + "/combined_windows.json");
  auto corpus = read_corpus(dir, dir + "/combined_windows.json");
  CHECK(corpus.size() == 34);
  size_t total = 0, scorable = 0;
  for (const auto& x : corpus) {
    INFO(x.data.name);
    total += x.windows.size();
    scorable += scorable_windows(x.data.times.size(), x.windows);
    // Every window's limits are row timestamps, so the reader's spans are
    // exactly the rows NAB's sweeper scores.
    const auto& ws = windows.at(x.data.name);
    REQUIRE(ws.size() == x.windows.size());
    for (size_t k = 0; k < ws.size(); ++k) {
      CHECK(x.data.times[x.windows[k].first] == ws[k].start);
      CHECK(x.data.times[x.windows[k].last] == ws[k].end);
    }
  }
  // The README's count; every window lies past its file's probationary
  // period, so null is -fn per window as the README says.
  CHECK(total == 67);
  CHECK(scorable == 67);
}
