#pragma once

// Reading data in the Numenta Anomaly Benchmark's format: a series is a CSV
// with the header `timestamp,value` and rows `YYYY-MM-DD HH:MM:SS[.ffffff],
// <number>`; its labels are a windows JSON (NAB's
// labels/combined_windows.json) mapping the series' path relative to the
// data directory ("realTweets/Twitter_volume_AAPL.csv") to a list of
// [start, end] timestamp pairs. Every reader throws `nab::data_error`,
// whose message names the file (and line, for a CSV) and what is wrong.

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "remedy/eval/nab_scorer.hpp"

namespace remedy::nab {

class data_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Microseconds since 1970-01-01 00:00:00 (the timestamps have no zone).
using timestamp = int64_t;

/// Parses `YYYY-MM-DD HH:MM:SS` with an optional fraction of up to 6
/// digits; false if `text` is not one.
bool parse_timestamp(const std::string& text, timestamp& out);

/// Formats as `YYYY-MM-DD HH:MM:SS` (and `.ffffff` if not whole seconds).
std::string format_timestamp(timestamp x);

struct series {
  /// As given to `read_series` (the windows file's key in a corpus).
  std::string name;
  std::vector<timestamp> times;
  std::vector<double> values;
};

/// Reads a NAB CSV. Requires the header `timestamp,value`, one row per line
/// (CRLF accepted, blank last line accepted), a valid timestamp and a
/// finite number in each, and timestamps that never go back (equal ones
/// occur in NAB's data and are kept as rows).
series read_series(const std::string& path, const std::string& name);

struct time_window {
  timestamp start = 0;
  timestamp end = 0;
};

/// Reads a windows JSON: an object of arrays of two-string arrays, with
/// start <= end in each window. Keys keep their text.
std::map<std::string, std::vector<time_window>>
read_windows(const std::string& path);

/// Reads NAB's profiles JSON (config/profiles.json): an object mapping a
/// profile name to {"CostMatrix": {"tpWeight", "fpWeight", "fnWeight",
/// "tnWeight"}}; profiles in NAB's order (standard, reward_low_FP_rate,
/// reward_low_FN_rate) first, any others after.
std::vector<profile> read_profiles(const std::string& path);

/// A window's rows in `s`: the first row at or after its start to the last
/// row at or before its end, or the first row stamped exactly with its end
/// (NAB's rows exactly when both are row timestamps: NAB enters a window at
/// the first row stamped with its start and leaves it at the first stamped
/// with its end). Throws `data_error` naming the series if a window holds no
/// row, and if windows overlap.
std::vector<window_span> to_spans(const series& s,
                                  const std::vector<time_window>& windows);

/// One labelled series.
struct labelled_series {
  series data;
  std::vector<window_span> windows;
};

/// Reads every series the windows file names, from `data_dir/<key>`, in
/// the windows file's key order (sorted). Throws `data_error` if one is
/// missing or bad.
std::vector<labelled_series> read_corpus(const std::string& data_dir,
                                         const std::string& windows_path);

} // namespace remedy::nab
