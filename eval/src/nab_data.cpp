#include "remedy/eval/nab_data.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

namespace remedy::nab {

namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2 ? 1 : 0;
}

bool digits(const std::string& s, size_t pos, size_t n, int64_t& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw data_error(path + ": cannot open");
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string where(const std::string& path, size_t line) {
  return path + ":" + std::to_string(line) + ": ";
}

} // namespace

bool parse_timestamp(const std::string& text, timestamp& out) {
  // YYYY-MM-DD HH:MM:SS[.f{1,6}]
  int64_t y, mo, d, h, mi, s;
  if (text.size() < 19 || !digits(text, 0, 4, y) || text[4] != '-'
      || !digits(text, 5, 2, mo) || text[7] != '-' || !digits(text, 8, 2, d)
      || text[10] != ' ' || !digits(text, 11, 2, h) || text[13] != ':'
      || !digits(text, 14, 2, mi) || text[16] != ':'
      || !digits(text, 17, 2, s))
    return false;
  int64_t micros = 0;
  if (text.size() > 19) {
    auto n = text.size() - 20;
    if (text[19] != '.' || n < 1 || n > 6 || !digits(text, 20, n, micros))
      return false;
    for (auto k = n; k < 6; ++k)
      micros *= 10;
  }
  static const int month_days[] = {31, 28, 31, 30, 31, 30,
                                   31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1)
    return false;
  auto max_day = month_days[mo - 1] + (mo == 2 && leap(y) ? 1 : 0);
  if (d > max_day || h > 23 || mi > 59 || s > 59)
    return false;
  auto seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  out = seconds * 1000000 + micros;
  return true;
}

std::string format_timestamp(timestamp x) {
  auto micros = x % 1000000;
  auto seconds = x / 1000000;
  if (micros < 0) {
    micros += 1000000;
    seconds -= 1;
  }
  auto days = seconds / 86400;
  auto rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    days -= 1;
  }
  int64_t y, m, d;
  civil_from_days(days, y, m, d);
  char buf[48];
  if (micros == 0)
    std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lld %02lld:%02lld:%02lld",
                  static_cast<long long>(y), static_cast<long long>(m),
                  static_cast<long long>(d),
                  static_cast<long long>(rest / 3600),
                  static_cast<long long>(rest / 60 % 60),
                  static_cast<long long>(rest % 60));
  else
    std::snprintf(buf, sizeof(buf),
                  "%04lld-%02lld-%02lld %02lld:%02lld:%02lld.%06lld",
                  static_cast<long long>(y), static_cast<long long>(m),
                  static_cast<long long>(d),
                  static_cast<long long>(rest / 3600),
                  static_cast<long long>(rest / 60 % 60),
                  static_cast<long long>(rest % 60),
                  static_cast<long long>(micros));
  return buf;
}

series read_series(const std::string& path, const std::string& name) {
  auto text = read_all(path);
  series out;
  out.name = name;
  size_t line_no = 0;
  size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string::npos ? std::string::npos
                                                         : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (header) {
      if (line_no == 1 && line.size() >= 3
          && static_cast<unsigned char>(line[0]) == 0xEF)
        line = line.substr(3); // UTF-8 byte order mark
      if (line != "timestamp,value")
        throw data_error(where(path, line_no)
                         + "expected the header 'timestamp,value', got '"
                         + line + "'");
      header = false;
      continue;
    }
    if (line.empty()) {
      if (pos >= text.size())
        break; // the final newline
      throw data_error(where(path, line_no) + "empty line");
    }
    auto comma = line.find(',');
    if (comma == std::string::npos || line.find(',', comma + 1)
                                        != std::string::npos)
      throw data_error(where(path, line_no)
                       + "expected 'timestamp,value', got '" + line + "'");
    auto stamp = line.substr(0, comma);
    auto value_text = line.substr(comma + 1);
    timestamp t;
    if (!parse_timestamp(stamp, t))
      throw data_error(where(path, line_no) + "bad timestamp '" + stamp
                       + "' (expected YYYY-MM-DD HH:MM:SS[.ffffff])");
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(value_text.c_str(), &end);
    if (value_text.empty() || end != value_text.c_str() + value_text.size()
        || errno == ERANGE || !std::isfinite(v))
      throw data_error(where(path, line_no) + "bad value '" + value_text
                       + "' (expected a finite number)");
    // Equal timestamps occur in NAB's data (realAdExchange) and NAB
    // scores such rows as rows; going back in time is an error.
    if (!out.times.empty() && t < out.times.back())
      throw data_error(where(path, line_no) + "timestamp " + stamp
                       + " is before the previous row's "
                       + format_timestamp(out.times.back()));
    out.times.push_back(t);
    out.values.push_back(v);
  }
  if (header)
    throw data_error(path + ": empty file (no header 'timestamp,value')");
  if (out.times.empty())
    throw data_error(path + ": no rows after the header");
  return out;
}

std::map<std::string, std::vector<time_window>>
read_windows(const std::string& path) {
  auto text = read_all(path);
  boost::system::error_code ec;
  auto doc = boost::json::parse(text, ec);
  if (ec)
    throw data_error(path + ": not JSON: " + ec.message());
  if (!doc.is_object())
    throw data_error(path + ": expected an object of file -> windows");
  std::map<std::string, std::vector<time_window>> out;
  for (const auto& kv : doc.as_object()) {
    std::string key{kv.key()};
    auto at = path + ": \"" + key + "\": ";
    if (!kv.value().is_array())
      throw data_error(at + "expected an array of [start, end] windows");
    std::vector<time_window> windows;
    size_t k = 0;
    for (const auto& w : kv.value().as_array()) {
      auto wat = at + "window " + std::to_string(k++) + ": ";
      if (!w.is_array() || w.as_array().size() != 2
          || !w.as_array()[0].is_string() || !w.as_array()[1].is_string())
        throw data_error(wat + "expected [\"start\", \"end\"]");
      std::string a{w.as_array()[0].as_string()};
      std::string b{w.as_array()[1].as_string()};
      time_window tw;
      if (!parse_timestamp(a, tw.start))
        throw data_error(wat + "bad start '" + a + "'");
      if (!parse_timestamp(b, tw.end))
        throw data_error(wat + "bad end '" + b + "'");
      if (tw.end < tw.start)
        throw data_error(wat + "ends before it starts");
      windows.push_back(tw);
    }
    std::sort(windows.begin(), windows.end(),
              [](const time_window& x, const time_window& y) {
                return x.start < y.start;
              });
    if (!out.emplace(key, std::move(windows)).second)
      throw data_error(at + "appears twice");
  }
  return out;
}

std::vector<profile> read_profiles(const std::string& path) {
  auto text = read_all(path);
  boost::system::error_code ec;
  auto doc = boost::json::parse(text, ec);
  if (ec)
    throw data_error(path + ": not JSON: " + ec.message());
  if (!doc.is_object())
    throw data_error(path + ": expected an object of profiles");
  std::vector<profile> out;
  for (const auto& kv : doc.as_object()) {
    std::string name{kv.key()};
    auto at = path + ": profile \"" + name + "\": ";
    const auto* obj = kv.value().if_object();
    const boost::json::value* cm = obj ? obj->if_contains("CostMatrix")
                                       : nullptr;
    if (!cm || !cm->is_object())
      throw data_error(at + "expected {\"CostMatrix\": {...}}");
    auto weight = [&](const char* field) {
      const auto* v = cm->as_object().if_contains(field);
      if (!v || !v->is_number())
        throw data_error(at + "CostMatrix." + field + " missing or not a "
                         + "number");
      return v->to_number<double>();
    };
    profile p;
    p.name = name;
    p.costs.tp = weight("tpWeight");
    p.costs.fp = weight("fpWeight");
    p.costs.fn = weight("fnWeight");
    p.costs.tn = weight("tnWeight");
    out.push_back(p);
  }
  auto rank = [](const std::string& n) {
    if (n == "standard")
      return 0;
    if (n == "reward_low_FP_rate")
      return 1;
    if (n == "reward_low_FN_rate")
      return 2;
    return 3;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const profile& a, const profile& b) {
                     return rank(a.name) < rank(b.name);
                   });
  return out;
}

std::vector<window_span> to_spans(const series& s,
                                  const std::vector<time_window>& windows) {
  std::vector<window_span> out;
  for (const auto& w : windows) {
    auto first = std::lower_bound(s.times.begin(), s.times.end(), w.start);
    auto past = std::upper_bound(s.times.begin(), s.times.end(), w.end);
    // NAB leaves a window at the first row stamped with its end.
    auto at_end = std::lower_bound(s.times.begin(), s.times.end(), w.end);
    if (at_end != s.times.end() && *at_end == w.end)
      past = at_end + 1;
    if (first == s.times.end() || first >= past)
      throw data_error(s.name + ": window [" + format_timestamp(w.start)
                       + ", " + format_timestamp(w.end)
                       + "] holds no row of the series");
    window_span span{static_cast<size_t>(first - s.times.begin()),
                     static_cast<size_t>(past - s.times.begin()) - 1};
    if (!out.empty() && span.first <= out.back().last)
      throw data_error(s.name + ": window [" + format_timestamp(w.start)
                       + ", " + format_timestamp(w.end)
                       + "] overlaps the one before");
    out.push_back(span);
  }
  return out;
}

std::vector<labelled_series> read_corpus(const std::string& data_dir,
                                         const std::string& windows_path) {
  auto windows = read_windows(windows_path);
  std::vector<labelled_series> out;
  for (const auto& [key, ws] : windows) {
    labelled_series x;
    x.data = read_series(data_dir + "/" + key, key);
    x.windows = to_spans(x.data, ws);
    out.push_back(std::move(x));
  }
  return out;
}

} // namespace remedy::nab
