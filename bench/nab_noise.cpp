// nab_noise: measures the healthy noise of NAB's real series, the numbers
// the synthetic harness's healthy-noise defaults (trace_settings in
// remedy/eval/fault_trace.hpp) are based on.
//
// Reads every series the windows file names (nab::read_corpus), leaves out
// the rows inside labelled anomaly windows, and prints per real series
// (realAdExchange, realTraffic, realTweets; the artificial ones are made, not
// measured) and over all of them:
//
// - idle-plus-burst: at least 60 % of the rows lie in the lowest 10 % of
//   the series' range (p1 to p99.5) while the top rows are at least 5x the
//   median above the minimum: a mostly idle series with bursts. For those,
//   the burst multiple (p99 over the median, both above the minimum) and the
//   share of rows in bursts (above half the range).
// - level shifts: the median of two days against the median of the next
//   two, at every day boundary; a shift is a change of at least 10 % of the
//   level that lasts (the day after still differs by at least half as much,
//   the same way). Shifts per day and their median size relative to the
//   level and to the series' spread (1.4826 MAD).
// - gaps: consecutive timestamps more than 1.5 median intervals apart; gaps
//   per day and their length in minutes and in intervals.
// - weekly seasonality: the mean of Saturdays and Sundays over the mean of
//   Monday to Friday (series of at least 7 days).
//
//   bench_nab_noise [--dir=DIR] [--windows=FILE] [--per-series]
//
// --dir defaults to $REMEDY_NAB_DIR, else ../shared/data/nab-tune.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common.hpp"

#include "remedy/eval/nab_data.hpp"

namespace {

constexpr const char* usage
  = "[--dir=DIR] [--windows=FILE] [--per-series]\n"
    "  --dir=DIR        a NAB data directory (default $REMEDY_NAB_DIR or\n"
    "                   ../shared/data/nab-tune)\n"
    "  --windows=FILE   its windows JSON (default DIR/combined_windows.json)\n"
    "  --per-series     one line per series as well";

constexpr double us_per_day = 86400e6;

double quantile(std::vector<double> xs, double q) {
  if (xs.empty())
    return std::nan("");
  std::sort(xs.begin(), xs.end());
  auto pos = q * static_cast<double>(xs.size() - 1);
  auto lo = static_cast<size_t>(std::floor(pos));
  auto hi = std::min(lo + 1, xs.size() - 1);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - static_cast<double>(lo));
}

struct stats {
  std::string name;
  double days = 0.0;
  double interval_min = 0.0;
  bool idle_burst = false;
  double idle_share = 0.0;
  double burst_multiple = 0.0;
  double burst_share = 0.0;
  size_t shifts = 0;
  size_t boundaries = 0;
  std::vector<double> shift_rel;
  std::vector<double> shift_spread;
  size_t gaps = 0;
  std::vector<double> gap_min;
  std::vector<double> gap_intervals;
  double weekend_ratio = std::nan("");
};

stats measure(const remedy::nab::labelled_series& ls) {
  auto& s = ls.data;
  stats r;
  r.name = s.name;
  auto n = s.times.size();
  if (n < 3)
    return r;
  // Rows outside labelled windows.
  std::vector<bool> keep(n, true);
  for (auto& w : ls.windows)
    for (size_t i = w.first; i <= w.last && i < n; ++i)
      keep[i] = false;
  std::vector<double> vals;
  for (size_t i = 0; i < n; ++i)
    if (keep[i])
      vals.push_back(s.values[i]);
  r.days = static_cast<double>(s.times.back() - s.times.front()) / us_per_day;
  // Intervals and gaps (over every row: a gap is a gap anywhere).
  std::vector<double> dts;
  for (size_t i = 1; i < n; ++i)
    dts.push_back(static_cast<double>(s.times[i] - s.times[i - 1]));
  auto med_dt = quantile(dts, 0.5);
  r.interval_min = med_dt / 60e6;
  for (auto dt : dts) {
    if (dt > 1.5 * med_dt) {
      ++r.gaps;
      r.gap_min.push_back((dt - med_dt) / 60e6);
      r.gap_intervals.push_back(dt / med_dt - 1.0);
    }
  }
  // Idle plus burst.
  auto lo = quantile(vals, 0.0);
  auto p1 = quantile(vals, 0.01);
  auto top = quantile(vals, 0.995);
  auto med = quantile(vals, 0.5);
  auto range = top - p1;
  if (range > 0.0) {
    size_t low = 0;
    size_t high = 0;
    for (auto v : vals) {
      if (v <= p1 + 0.1 * range)
        ++low;
      if (v > p1 + 0.5 * range)
        ++high;
    }
    r.idle_share = static_cast<double>(low) / static_cast<double>(vals.size());
    r.burst_share = static_cast<double>(high)
                    / static_cast<double>(vals.size());
    // The median above the minimum, at least 1 % of the range (a series
    // whose median is its minimum would have an infinite multiple).
    auto above = std::max(med - lo, 0.01 * (top - lo));
    r.burst_multiple = (quantile(vals, 0.99) - lo) / above;
    r.idle_burst = r.idle_share >= 0.6 && (top - lo) >= 5.0 * above;
  }
  // Spread: 1.4826 MAD.
  std::vector<double> dev;
  for (auto v : vals)
    dev.push_back(std::fabs(v - med));
  auto spread = 1.4826 * quantile(dev, 0.5);
  // Level shifts: daily medians (rows outside windows).
  auto day_of = [&](size_t i) {
    return static_cast<int64_t>((s.times[i] - s.times.front()) / us_per_day);
  };
  auto ndays = static_cast<size_t>(day_of(n - 1)) + 1;
  std::vector<std::vector<double>> by_day(ndays);
  for (size_t i = 0; i < n; ++i)
    if (keep[i])
      by_day[static_cast<size_t>(day_of(i))].push_back(s.values[i]);
  auto med_of = [&](size_t from, size_t count) {
    std::vector<double> xs;
    for (size_t d = from; d < from + count && d < ndays; ++d)
      xs.insert(xs.end(), by_day[d].begin(), by_day[d].end());
    return xs.size() < 6 ? std::nan("") : quantile(xs, 0.5);
  };
  // Boundaries between full days, with two days on each side and one more
  // to see that the shift lasts.
  for (size_t k = 2; k + 3 <= ndays - 1; ++k) {
    auto before = med_of(k - 2, 2);
    auto after = med_of(k, 2);
    auto later = med_of(k + 2, 1);
    if (std::isnan(before) || std::isnan(after) || std::isnan(later))
      continue;
    ++r.boundaries;
    auto level = std::fabs(before);
    if (level <= 0.0)
      continue;
    auto d = after - before;
    auto rel = d / level;
    auto lasts = (later - before) * (d > 0 ? 1.0 : -1.0) >= 0.5 * std::fabs(d);
    if (std::fabs(rel) >= 0.1 && lasts) {
      ++r.shifts;
      r.shift_rel.push_back(std::fabs(rel));
      if (spread > 0.0)
        r.shift_spread.push_back(std::fabs(d) / spread);
      k += 1; // one shift per two-day step
    }
  }
  // Weekend over weekday (1970-01-01 was a Thursday).
  if (r.days >= 7.0) {
    double we = 0.0;
    double wd = 0.0;
    size_t nwe = 0;
    size_t nwd = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!keep[i])
        continue;
      auto day = static_cast<int64_t>(std::floor(
        static_cast<double>(s.times[i]) / us_per_day));
      auto dow = ((day + 4) % 7 + 7) % 7; // 0 Sunday .. 6 Saturday
      if (dow == 0 || dow == 6) {
        we += s.values[i];
        ++nwe;
      } else {
        wd += s.values[i];
        ++nwd;
      }
    }
    if (nwe > 0 && nwd > 0 && wd != 0.0)
      r.weekend_ratio = (we / static_cast<double>(nwe))
                        / (wd / static_cast<double>(nwd));
  }
  return r;
}

bool is_real(const std::string& name) {
  return name.rfind("real", 0) == 0;
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(argc, argv, usage);
  namespace nab = remedy::nab;
  try {
    auto dir = bench::nab_dir(opts);
    auto windows = opts.get("windows", dir + "/combined_windows.json");
    auto corpus = nab::read_corpus(dir, windows);
    std::printf("== nab_noise  (%s)  %s, %zu series\n", bench::today().c_str(),
                dir.c_str(), corpus.size());
    std::vector<stats> real;
    for (auto& ls : corpus) {
      auto st = measure(ls);
      if (opts.has("per-series"))
        std::printf("%-48s %5.1f d  %5.1f min  idle %.2f%s burst x%-7.1f "
                    "shifts %zu/%zu  gaps %zu  weekend %.2f\n",
                    st.name.c_str(), st.days, st.interval_min, st.idle_share,
                    st.idle_burst ? "*" : " ", st.burst_multiple, st.shifts,
                    st.boundaries, st.gaps, st.weekend_ratio);
      if (is_real(st.name))
        real.push_back(std::move(st));
    }
    if (real.empty()) {
      std::fprintf(stderr, "no real series (realAdExchange, realTraffic, "
                           "realTweets) in %s\n",
                   dir.c_str());
      return 1;
    }
    double days = 0.0;
    size_t idle = 0;
    std::vector<double> multiples;
    std::vector<double> burst_shares;
    size_t shifts = 0;
    size_t boundaries = 0;
    std::vector<double> rel;
    std::vector<double> spreads;
    size_t gaps = 0;
    size_t with_gaps = 0;
    std::vector<double> gap_min;
    std::vector<double> gap_intervals;
    std::vector<double> weekend;
    for (auto& st : real) {
      days += st.days;
      if (st.idle_burst) {
        ++idle;
        multiples.push_back(st.burst_multiple);
        burst_shares.push_back(st.burst_share);
      }
      shifts += st.shifts;
      boundaries += st.boundaries;
      rel.insert(rel.end(), st.shift_rel.begin(), st.shift_rel.end());
      spreads.insert(spreads.end(), st.shift_spread.begin(),
                     st.shift_spread.end());
      gaps += st.gaps;
      with_gaps += st.gaps > 0 ? 1 : 0;
      gap_min.insert(gap_min.end(), st.gap_min.begin(), st.gap_min.end());
      gap_intervals.insert(gap_intervals.end(), st.gap_intervals.begin(),
                           st.gap_intervals.end());
      if (!std::isnan(st.weekend_ratio))
        weekend.push_back(st.weekend_ratio);
    }
    auto nreal = static_cast<double>(real.size());
    std::printf("real series: %zu, %.0f days of data\n", real.size(), days);
    std::printf("| statistic | value |\n| --- | --- |\n");
    std::printf("| idle-plus-burst series | %zu of %zu (%.2f) |\n", idle,
                real.size(), static_cast<double>(idle) / nreal);
    std::printf("| burst multiple (p99 / median, above the minimum; the "
                "median at least 1 %% of the range), median (min..max) | %.1f "
                "(%.1f..%.1f) |\n",
                quantile(multiples, 0.5), quantile(multiples, 0.0),
                quantile(multiples, 1.0));
    std::printf("| rows in bursts (above half the range), median | %.3f |\n",
                quantile(burst_shares, 0.5));
    std::printf("| level shifts (>= 10 %%, lasting) per day | %.3f (%zu in "
                "%zu day boundaries) |\n",
                static_cast<double>(shifts) / days, shifts, boundaries);
    std::printf("| level shift size / level, median (p25..p75) | %.2f "
                "(%.2f..%.2f) |\n",
                quantile(rel, 0.5), quantile(rel, 0.25), quantile(rel, 0.75));
    std::printf("| level shift size / spread (1.4826 MAD), median | %.2f |\n",
                quantile(spreads, 0.5));
    std::printf("| series with gaps (> 1.5 intervals) | %zu of %zu |\n",
                with_gaps, real.size());
    std::printf("| gaps per day | %.3f (%zu) |\n",
                static_cast<double>(gaps) / days, gaps);
    std::printf("| gap length, minutes, median (p90) | %.1f (%.1f) |\n",
                quantile(gap_min, 0.5), quantile(gap_min, 0.9));
    std::printf("| gap length, minutes, p10 | %.1f |\n",
                quantile(gap_min, 0.1));
    std::printf("| gap length, intervals, median (p90) | %.1f (%.1f) |\n",
                quantile(gap_intervals, 0.5), quantile(gap_intervals, 0.9));
    std::printf("| weekend / weekday mean, median (p25..p75) of %zu | %.2f "
                "(%.2f..%.2f) |\n",
                weekend.size(), quantile(weekend, 0.5),
                quantile(weekend, 0.25), quantile(weekend, 0.75));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nab_noise: %s\n", e.what());
    return 1;
  }
  return 0;
}
