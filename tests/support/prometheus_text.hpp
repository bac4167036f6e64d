#pragma once

// A validator for the Prometheus text exposition format 0.0.4, written from
// the format's rules: parses every line (HELP, TYPE, samples with labels and
// escapes) and checks the rules across lines (families together, histogram
// buckets cumulative and ending at +Inf, _count equal to the +Inf bucket).

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace remedy::test {

/// One line of the text format, parsed.
struct parsed_line {
  enum kind_t { help, type, sample } kind = sample;
  std::string name;
  /// HELP: the unescaped text; TYPE: the type.
  std::string text;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0.0;
};

inline bool name_char(char c, bool first, bool colon) {
  auto alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return alpha || (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/// Reads a metric (or label) name at `pos`.
inline std::optional<std::string> read_name(const std::string& s, size_t& pos,
                                            bool colon) {
  auto start = pos;
  while (pos < s.size() && name_char(s[pos], pos == start, colon))
    ++pos;
  if (pos == start)
    return std::nullopt;
  return s.substr(start, pos - start);
}

inline std::optional<double> read_value(const std::string& s) {
  if (s == "+Inf")
    return HUGE_VAL;
  if (s == "-Inf")
    return -HUGE_VAL;
  if (s == "NaN")
    return std::nan("");
  if (s.empty())
    return std::nullopt;
  char* end = nullptr;
  auto x = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size())
    return std::nullopt;
  // strtod takes "inf" and "nan" spellings the format does not.
  if (!std::isfinite(x))
    return std::nullopt;
  return x;
}

/// Parses one line by the format's grammar; an error says why not.
inline std::optional<parsed_line> parse_line(const std::string& s,
                                             std::string& why) {
  parsed_line out;
  if (s.rfind("# HELP ", 0) == 0 || s.rfind("# TYPE ", 0) == 0) {
    out.kind = s[2] == 'H' ? parsed_line::help : parsed_line::type;
    size_t pos = 7;
    auto name = read_name(s, pos, true);
    if (!name || pos >= s.size() || s[pos] != ' ') {
      why = "bad name in comment";
      return std::nullopt;
    }
    out.name = *name;
    ++pos;
    if (out.kind == parsed_line::type) {
      out.text = s.substr(pos);
      static const char* types[] = {"counter", "gauge", "histogram", "summary",
                                    "untyped"};
      for (auto t : types)
        if (out.text == t)
          return out;
      why = "unknown type '" + out.text + "'";
      return std::nullopt;
    }
    for (; pos < s.size(); ++pos) {
      if (s[pos] != '\\') {
        out.text += s[pos];
        continue;
      }
      if (++pos >= s.size() || (s[pos] != '\\' && s[pos] != 'n')) {
        why = "bad escape in HELP";
        return std::nullopt;
      }
      out.text += s[pos] == 'n' ? '\n' : '\\';
    }
    return out;
  }
  if (!s.empty() && s[0] == '#') {
    why = "comment that is neither HELP nor TYPE";
    return std::nullopt;
  }
  size_t pos = 0;
  auto name = read_name(s, pos, true);
  if (!name) {
    why = "no metric name";
    return std::nullopt;
  }
  out.name = *name;
  if (pos < s.size() && s[pos] == '{') {
    ++pos;
    while (pos < s.size() && s[pos] != '}') {
      auto label = read_name(s, pos, false);
      if (!label || pos + 1 >= s.size() || s[pos] != '=' || s[pos + 1] != '"') {
        why = "bad label";
        return std::nullopt;
      }
      pos += 2;
      std::string value;
      for (;;) {
        if (pos >= s.size()) {
          why = "unterminated label value";
          return std::nullopt;
        }
        auto c = s[pos++];
        if (c == '"')
          break;
        if (c == '\n') {
          why = "raw newline in label value";
          return std::nullopt;
        }
        if (c == '\\') {
          if (pos >= s.size()) {
            why = "dangling backslash";
            return std::nullopt;
          }
          auto e = s[pos++];
          if (e == 'n')
            value += '\n';
          else if (e == '\\' || e == '"')
            value += e;
          else {
            why = "bad escape in label value";
            return std::nullopt;
          }
        } else {
          value += c;
        }
      }
      out.labels.emplace_back(*label, value);
      if (pos < s.size() && s[pos] == ',')
        ++pos;
      else if (pos < s.size() && s[pos] != '}') {
        why = "expected , or }";
        return std::nullopt;
      }
    }
    if (pos >= s.size()) {
      why = "unterminated label set";
      return std::nullopt;
    }
    ++pos;
  }
  if (pos >= s.size() || s[pos] != ' ') {
    why = "no space before the value";
    return std::nullopt;
  }
  auto value = read_value(s.substr(pos + 1));
  if (!value) {
    why = "bad value '" + s.substr(pos + 1) + "'";
    return std::nullopt;
  }
  out.value = *value;
  return out;
}

/// Parses a whole exposition and checks the rules across lines: HELP and
/// TYPE once per family and before its samples, samples of a family
/// together, no duplicate series, histogram buckets cumulative with
/// increasing `le` ending at +Inf and `_count` equal to the +Inf bucket.
/// Fails the test (with the line) on the first violation.
inline std::vector<parsed_line> validate(const std::string& text) {
  std::vector<parsed_line> result;
  REQUIRE((text.empty() || text.back() == '\n'));
  std::map<std::string, std::string> types;
  std::map<std::string, int> helps;
  std::vector<std::string> family_order;
  std::map<std::string, double> series_seen;
  std::string current;
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;
  std::map<std::string, double> counts;
  std::istringstream in{text};
  std::string line;
  auto family_of = [&](const std::string& name) {
    for (auto suffix : {"_bucket", "_sum", "_count"}) {
      std::string sfx = suffix;
      if (name.size() > sfx.size()
          && name.compare(name.size() - sfx.size(), sfx.size(), sfx) == 0) {
        auto base = name.substr(0, name.size() - sfx.size());
        auto i = types.find(base);
        if (i != types.end() && i->second == "histogram")
          return base;
      }
    }
    return name;
  };
  while (std::getline(in, line)) {
    INFO("line: " << line);
    std::string why;
    auto x = parse_line(line, why);
    INFO("why: " << why);
    REQUIRE(x);
    if (x->kind == parsed_line::help) {
      CHECK(++helps[x->name] == 1);
      CHECK(types.count(x->name) == 0); // HELP first, as we render it
      current = x->name;
    } else if (x->kind == parsed_line::type) {
      CHECK(types.count(x->name) == 0);
      types[x->name] = x->text;
      CHECK(current == x->name);
    } else {
      auto fam = family_of(x->name);
      CHECK(fam == current); // a family's samples follow its TYPE line
      REQUIRE(types.count(fam) == 1);
      std::string key = x->name;
      std::string series_key;
      std::optional<double> le;
      for (auto& [k, v] : x->labels) {
        key += "|" + k + "=" + v;
        if (k == "le") {
          auto b = read_value(v);
          REQUIRE(b);
          le = *b;
        } else {
          series_key += "|" + k + "=" + v;
        }
      }
      CHECK(series_seen.count(key) == 0);
      series_seen[key] = x->value;
      if (types[fam] == "counter")
        CHECK(x->value >= 0);
      if (types[fam] == "histogram") {
        auto skey = fam + series_key;
        if (x->name == fam + "_bucket") {
          REQUIRE(le);
          buckets[skey].emplace_back(*le, x->value);
        } else if (x->name == fam + "_count") {
          counts[skey] = x->value;
        } else {
          CHECK(x->name == fam + "_sum");
        }
      }
    }
    result.push_back(std::move(*x));
  }
  for (auto& [skey, bs] : buckets) {
    INFO("histogram series " << skey);
    REQUIRE(!bs.empty());
    CHECK(std::isinf(bs.back().first));
    for (size_t i = 1; i < bs.size(); ++i) {
      CHECK(bs[i].first > bs[i - 1].first);
      CHECK(bs[i].second >= bs[i - 1].second);
    }
    REQUIRE(counts.count(skey) == 1);
    CHECK(counts[skey] == bs.back().second);
  }
  return result;
}

/// The value of the sample `name` with exactly the labels `labels` (in any
/// order) in a validated exposition, if there is one.
inline std::optional<double>
sample_value(const std::vector<parsed_line>& lines, const std::string& name,
             std::vector<std::pair<std::string, std::string>> labels) {
  std::sort(labels.begin(), labels.end());
  for (auto& x : lines) {
    if (x.kind != parsed_line::sample || x.name != name)
      continue;
    auto ls = x.labels;
    std::sort(ls.begin(), ls.end());
    if (ls == labels)
      return x.value;
  }
  return std::nullopt;
}

} // namespace remedy::test
