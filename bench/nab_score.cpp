// nab_score: Remedy's anomaly detector judged on the Numenta Anomaly
// Benchmark's series with NAB's scoring rules (remedy/eval/nab_scorer.hpp).
//
// Replays every series of a NAB data directory (the files its windows JSON
// names) through a fresh `anomaly_detector` with the EWMA baseline settings
// (`nab::ewma_baseline()`, the recommended set's before the adaptive
// detectors), in virtual time (each row's timestamp is
// the sample's time), takes the rows where it raised as NAB detections, and
// prints NAB's normalised score under each profile (standard,
// reward_low_FP_rate, reward_low_FN_rate) and the window-level precision,
// recall and F1. No actor system runs: the detector is a value.
//
// --detector=adaptive replays `adaptive_detector` (its defaults, or the
// overrides listed in the usage) instead, and prints two tables: its raises
// scored as above, and its continuous score per row swept over thresholds
// (NAB's sweeper, the best threshold per profile).
//
//   bench_nab_score --dir=DIR [--windows=FILE] [--profiles=FILE] [--per-file]
//   bench_nab_score --csv=FILE --windows=FILE [--name=KEY] [--profiles=FILE]
//
// --dir defaults to $REMEDY_NAB_DIR, else ../shared/data/nab-tune from the
// current directory. --windows defaults to DIR/combined_windows.json;
// --profiles to DIR/profiles.json if it exists, else NAB's three profiles.
// With --csv the windows file's entry for the CSV is the key --name, else
// the one key ending in the CSV's file name, else the only key.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common.hpp"

#include "remedy/detection/detector_set.hpp"
#include "remedy/eval/nab_run.hpp"

namespace {

constexpr const char* usage
  = "[--dir=DIR] [--csv=FILE --windows=FILE [--name=KEY]] [--profiles=FILE]"
    " [--per-file] [--detector=anomaly|adaptive] [--z=Z] [--raise-after=N]\n"
    "  --dir=DIR        a NAB data directory (default $REMEDY_NAB_DIR or\n"
    "                   ../shared/data/nab-tune); windows from\n"
    "                   DIR/combined_windows.json unless --windows\n"
    "  --csv=FILE       score one series instead (needs --windows)\n"
    "  --windows=FILE   NAB windows JSON (combined_windows.json format)\n"
    "  --name=KEY       the CSV's key in the windows file\n"
    "  --profiles=FILE  NAB profiles JSON (default DIR/profiles.json or\n"
    "                   NAB's standard three)\n"
    "  --per-file       also print one line per series\n"
    "  --z=Z, --raise-after=N  override the baseline z_threshold and\n"
    "                   raise_after (for trying settings; the table says so)\n"
    "  --detector=D     anomaly (default: the EWMA baseline anomaly_detector)\n"
    "                   or adaptive (adaptive_detector with its defaults;\n"
    "                   also sweeps its continuous score)\n"
    "  adaptive overrides (the table then says MODIFIED): --half-life-h=H\n"
    "    --spread-half-life-h=H --spread-floor=X --relative-floor=X\n"
    "    --warm-up-h=H --z=Z --side=above|below|both --anomaly-learning=X\n"
    "    --accept-after-h=H --raise-after-min=M --clear-after-min=M\n"
    "    --gap-intervals=N --season-h=H --season-bins=N --season-half-life-h=H\n"
    "    --week-h=H (0: no weekly season) --week-bins=N --week-half-life-h=H\n"
    "    --week-after-h=H";

using hours_d = std::chrono::duration<double, std::ratio<3600>>;
using minutes_d = std::chrono::duration<double, std::ratio<60>>;

caf::timespan from_hours(double h) {
  return std::chrono::duration_cast<caf::timespan>(hours_d{h});
}

caf::timespan from_minutes(double m) {
  return std::chrono::duration_cast<caf::timespan>(minutes_d{m});
}

double hours_of(caf::timespan x) {
  return std::chrono::duration_cast<hours_d>(x).count();
}

const char* side_name(remedy::anomaly_side x) {
  return x == remedy::anomaly_side::above   ? "above"
         : x == remedy::anomaly_side::below ? "below"
                                            : "both";
}

bool exists(const std::string& path) {
  std::ifstream in(path);
  return static_cast<bool>(in);
}

std::string basename(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void print_per_file(const std::vector<remedy::nab::labelled_series>& corpus,
                    const std::vector<std::vector<bool>>& detections,
                    const std::vector<remedy::nab::profile>& profiles) {
  namespace nab = remedy::nab;
  std::printf("| series | rows | windows | detected | false positives | "
              "raw standard |\n|---|---|---|---|---|---|\n");
  for (size_t k = 0; k < corpus.size(); ++k) {
    auto c = nab::count_windows(detections[k], corpus[k].windows);
    auto s = nab::score_detections(detections[k], corpus[k].windows,
                                   profiles.front().costs);
    std::printf("| %s | %zu | %zu | %zu | %zu | %.3f |\n",
                corpus[k].data.name.c_str(), corpus[k].data.times.size(),
                corpus[k].windows.size(), c.detected, c.false_positives,
                s.score);
  }
  std::printf("\n");
}

int run_adaptive(const bench::options& opts,
                 const std::vector<remedy::nab::labelled_series>& corpus,
                 const std::vector<remedy::nab::profile>& profiles,
                 const std::string& csv, const std::string& dir,
                 const std::string& windows_path,
                 const std::string& profiles_path) {
  namespace nab = remedy::nab;
  remedy::adaptive_detector_settings x;
  bool modified = false;
  auto num = [&](const char* key, auto apply) {
    if (opts.has(key)) {
      apply(std::stod(opts.get(key, "")));
      modified = true;
    }
  };
  num("half-life-h", [&](double v) { x.half_life = from_hours(v); });
  num("spread-half-life-h",
      [&](double v) { x.spread_half_life = from_hours(v); });
  num("spread-floor", [&](double v) { x.spread_floor = v; });
  num("relative-floor", [&](double v) { x.relative_floor = v; });
  num("warm-up-h", [&](double v) { x.warm_up = from_hours(v); });
  num("z", [&](double v) { x.z_threshold = v; });
  num("anomaly-learning", [&](double v) { x.anomaly_learning = v; });
  num("accept-after-h", [&](double v) { x.accept_after = from_hours(v); });
  num("raise-after-min", [&](double v) { x.raise_after = from_minutes(v); });
  num("clear-after-min", [&](double v) { x.clear_after = from_minutes(v); });
  num("gap-intervals", [&](double v) { x.gap_intervals = v; });
  num("season-h", [&](double v) { x.season = from_hours(v); });
  num("season-bins",
      [&](double v) { x.season_bins = static_cast<uint32_t>(v); });
  num("season-half-life-h",
      [&](double v) { x.season_half_life = from_hours(v); });
  num("week-h", [&](double v) { x.week = from_hours(v); });
  num("week-bins", [&](double v) { x.week_bins = static_cast<uint32_t>(v); });
  num("week-half-life-h", [&](double v) { x.week_half_life = from_hours(v); });
  num("week-after-h", [&](double v) { x.week_after = from_hours(v); });
  if (opts.has("side")) {
    auto v = opts.get("side", "");
    x.side = v == "above"   ? remedy::anomaly_side::above
             : v == "below" ? remedy::anomaly_side::below
                            : remedy::anomaly_side::both;
    modified = true;
  }
  std::printf("# nab_score: adaptive_detector (%s: half_life %.3g h, "
              "spread_half_life %.3g h, spread_floor %.3g, relative_floor "
              "%.3g, warm_up %.3g h, z >= %.2f, side %s, anomaly_learning "
              "%.3g, accept_after %.3g h, raise_after %.3g h, clear_after "
              "%.3g h, gap_intervals %.3g, season %.3g h / %u bins, week %.3g h / "
              "%u bins after %.3g h)\n",
              modified ? "MODIFIED defaults" : "defaults",
              hours_of(x.half_life), hours_of(x.spread_half_life),
              x.spread_floor, x.relative_floor, hours_of(x.warm_up),
              x.z_threshold, side_name(x.side), x.anomaly_learning,
              hours_of(x.accept_after), hours_of(x.raise_after),
              hours_of(x.clear_after), x.gap_intervals, hours_of(x.season),
              static_cast<unsigned>(x.season_bins), hours_of(x.week),
              static_cast<unsigned>(x.week_bins), hours_of(x.week_after));
  std::printf("# data: %s, windows: %s, profiles: %s\n\n",
              csv.empty() ? dir.c_str() : csv.c_str(), windows_path.c_str(),
              profiles_path.empty() ? "(NAB's three)" : profiles_path.c_str());
  std::vector<std::vector<bool>> detections;
  std::vector<std::vector<double>> scores;
  for (const auto& file : corpus) {
    auto r = nab::replay_adaptive_detector(file.data, x);
    detections.push_back(std::move(r.raised));
    scores.push_back(std::move(r.scores));
  }
  if (opts.has("per-file"))
    print_per_file(corpus, detections, profiles);
  std::printf("## binary: the rows where it raised\n\n%s\n",
              nab::markdown(nab::score_corpus(corpus, detections, profiles))
                .c_str());
  std::printf("## swept: its score in [0, 1] against the best threshold\n\n"
              "%s",
              nab::markdown(nab::sweep_corpus(corpus, scores, profiles))
                .c_str());
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(argc, argv, usage);
  namespace nab = remedy::nab;
  try {
    auto dir = bench::nab_dir(opts);
    auto csv = opts.get("csv", "");
    auto windows_path = opts.get("windows", "");
    auto profiles_path = opts.get("profiles", "");
    std::vector<nab::labelled_series> corpus;
    if (!csv.empty()) {
      if (windows_path.empty())
        bench::fail("--csv needs --windows");
      auto all = nab::read_windows(windows_path);
      auto key = opts.get("name", "");
      if (key.empty()) {
        auto file = basename(csv);
        for (const auto& kv : all)
          if (kv.first == file
              || (kv.first.size() > file.size()
                  && kv.first.compare(kv.first.size() - file.size() - 1,
                                      std::string::npos, "/" + file)
                       == 0))
            key = kv.first;
        if (key.empty() && all.size() == 1)
          key = all.begin()->first;
      }
      auto it = all.find(key);
      if (it == all.end())
        bench::fail("no entry for " + csv + " in " + windows_path
                    + " (give its key with --name)");
      nab::labelled_series x;
      x.data = nab::read_series(csv, key);
      x.windows = nab::to_spans(x.data, it->second);
      corpus.push_back(std::move(x));
    } else {
      if (windows_path.empty())
        windows_path = dir + "/combined_windows.json";
      corpus = nab::read_corpus(dir, windows_path);
      if (profiles_path.empty() && exists(dir + "/profiles.json"))
        profiles_path = dir + "/profiles.json";
    }
    auto profiles = profiles_path.empty() ? nab::standard_profiles()
                                          : nab::read_profiles(profiles_path);
    auto which = opts.get("detector", "anomaly");
    if (which == "adaptive")
      return run_adaptive(opts, corpus, profiles, csv, dir, windows_path,
                          profiles_path);
    if (which != "anomaly")
      bench::fail("--detector must be anomaly or adaptive");
    auto settings = remedy::nab::ewma_baseline();
    bool overridden = false;
    if (opts.has("z")) {
      settings.z_threshold = std::stod(opts.get("z", ""));
      overridden = true;
    }
    if (opts.has("raise-after")) {
      settings.raise_after = static_cast<uint32_t>(
        std::stoul(opts.get("raise-after", "")));
      overridden = true;
    }
    std::printf("# nab_score: anomaly_detector (%s settings: %s, alpha "
                "%.3g, warm_up %u, z >= %.2f for %u samples, side %s, "
                "min_relative_change %.2f, learn_clip %.1f)\n",
                overridden ? "MODIFIED baseline" : "baseline",
                remedy::to_string(settings.method), settings.ewma.alpha,
                static_cast<unsigned>(settings.ewma.warm_up),
                settings.z_threshold,
                static_cast<unsigned>(settings.raise_after),
                settings.side == remedy::anomaly_side::above   ? "above"
                : settings.side == remedy::anomaly_side::below ? "below"
                                                               : "both",
                settings.min_relative_change, settings.learn_clip);
    std::printf("# data: %s, windows: %s, profiles: %s\n\n",
                csv.empty() ? dir.c_str() : csv.c_str(),
                windows_path.c_str(),
                profiles_path.empty() ? "(NAB's three)"
                                      : profiles_path.c_str());
    std::vector<std::vector<bool>> detections;
    for (const auto& file : corpus)
      detections.push_back(nab::replay_anomaly_detector(file.data, settings));
    if (opts.has("per-file")) {
      std::printf("| series | rows | windows | detected | false positives | "
                  "raw standard |\n|---|---|---|---|---|---|\n");
      for (size_t k = 0; k < corpus.size(); ++k) {
        auto c = nab::count_windows(detections[k], corpus[k].windows);
        auto s = nab::score_detections(detections[k], corpus[k].windows,
                                       profiles.front().costs);
        std::printf("| %s | %zu | %zu | %zu | %zu | %.3f |\n",
                    corpus[k].data.name.c_str(),
                    corpus[k].data.times.size(), corpus[k].windows.size(),
                    c.detected, c.false_positives, s.score);
      }
      std::printf("\n");
    }
    auto result = nab::score_corpus(corpus, detections, profiles);
    std::printf("%s", nab::markdown(result).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nab_score: %s\n", e.what());
    return 1;
  }
  return 0;
}
