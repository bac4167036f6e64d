#include "remedy/runtime/json_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace remedy::strict_json {

namespace {

/// How a value shows after "got": strings quoted, numbers as written.
std::string describe(const value& v) {
  switch (v.type) {
    case value::kind::null:
      return "null";
    case value::kind::boolean:
      return v.boolean ? "true" : "false";
    case value::kind::integer:
    case value::kind::number:
    case value::kind::invalid:
      return v.text;
    case value::kind::string:
      return quote(v.text);
    case value::kind::array:
      return "an array";
    case value::kind::object:
      return "an object";
  }
  return "?";
}

std::string format_double(double x) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, res.ptr);
}

struct unit {
  std::string_view name;
  std::int64_t ns;
};

// Longest names first where one is a prefix of another's tail ("ms"/"s").
constexpr unit units[] = {
  {"ns", 1},
  {"us", 1'000},
  {"ms", 1'000'000},
  {"s", 1'000'000'000},
  {"m", 60'000'000'000},
  {"h", 3'600'000'000'000},
};

std::string format_duration(caf::timespan x) {
  auto n = x.count();
  for (auto i = std::size(units); i-- > 0;) {
    if (n % units[i].ns == 0)
      return std::to_string(n / units[i].ns) + std::string{units[i].name};
  }
  return std::to_string(n) + "ns";
}

std::optional<caf::timespan> parse_duration(std::string_view s) {
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9')
    ++digits;
  if (digits == 0 || digits > 18)
    return std::nullopt;
  auto suffix = s.substr(digits);
  for (const auto& u : units) {
    if (suffix != u.name)
      continue;
    std::int64_t n = 0;
    std::from_chars(s.data(), s.data() + digits, n);
    if (n > std::numeric_limits<std::int64_t>::max() / u.ns)
      return std::nullopt;
    return caf::timespan{n * u.ns};
  }
  return std::nullopt;
}

/// Optimal string alignment distance (edits and adjacent swaps).
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1,
                                          std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      auto cost = a[i - 1] == b[j - 1] ? 0u : 1u;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

} // namespace

// -- value_reader --------------------------------------------------------------

value_reader::value_reader(const value& v, std::string path, diagnostics& errs)
  : v_(&v), path_(std::move(path)), errs_(&errs) {
  // nop
}

void value_reader::error(std::string message) {
  errs_->add(v_->line, path_, std::move(message));
}

void value_reader::expected(const std::string& what) {
  // Rejected while parsing: reported there already.
  if (v_->type == value::kind::invalid)
    return;
  error("expected " + what + ", got " + describe(*v_));
}

bool value_reader::read(bool& out) {
  if (v_->type != value::kind::boolean) {
    expected("true or false");
    return false;
  }
  out = v_->boolean;
  return true;
}

bool value_reader::read_signed(std::int64_t min, std::int64_t max,
                               std::int64_t& out) {
  if (v_->type != value::kind::integer || !v_->fits_int64 || v_->i < min
      || v_->i > max) {
    expected("an integer from " + std::to_string(min) + " to "
             + std::to_string(max));
    return false;
  }
  out = v_->i;
  return true;
}

bool value_reader::read_unsigned(std::uint64_t min, std::uint64_t max,
                                 std::uint64_t& out) {
  if (v_->type != value::kind::integer || !v_->non_negative || v_->u < min
      || v_->u > max) {
    expected("an integer from " + std::to_string(min) + " to "
             + std::to_string(max));
    return false;
  }
  out = v_->u;
  return true;
}

bool value_reader::read(double& out, double min, double max) {
  bool numeric = v_->type == value::kind::integer
                 || v_->type == value::kind::number;
  if (!numeric || v_->d < min || v_->d > max) {
    if (min == std::numeric_limits<double>::lowest()
        && max == std::numeric_limits<double>::max())
      expected("a number");
    else
      expected("a number from " + format_double(min) + " to "
               + format_double(max));
    return false;
  }
  out = v_->d;
  return true;
}

bool value_reader::read(std::string& out, string_rule rule) {
  if (v_->type != value::kind::string
      || (rule == string_rule::non_empty && v_->text.empty())) {
    expected(rule == string_rule::non_empty ? "a non-empty string"
                                            : "a string");
    return false;
  }
  out = v_->text;
  return true;
}

bool value_reader::read(caf::timespan& out, caf::timespan min,
                        caf::timespan max) {
  std::optional<caf::timespan> x;
  if (v_->type == value::kind::string)
    x = parse_duration(v_->text);
  if (!x) {
    expected(R"(a duration such as "500ms", "2s" or "1m")");
    return false;
  }
  if (*x < min || *x > max) {
    expected("a duration from " + format_duration(min) + " to "
             + format_duration(max));
    return false;
  }
  out = *x;
  return true;
}

std::optional<std::size_t>
value_reader::choose(const std::vector<std::string_view>& names) {
  if (v_->type == value::kind::string) {
    auto i = std::find(names.begin(), names.end(), v_->text);
    if (i != names.end())
      return static_cast<std::size_t>(i - names.begin());
  }
  std::string what = "one of ";
  for (std::size_t i = 0; i < names.size(); ++i)
    what += (i == 0 ? "" : ", ") + quote(names[i]);
  expected(what);
  return std::nullopt;
}

bool value_reader::check_array(std::size_t min_items, std::size_t max_items) {
  if (v_->type != value::kind::array) {
    expected("an array");
    return false;
  }
  auto n = v_->items.size();
  if (n < min_items || n > max_items) {
    std::string what = "an array of ";
    auto last = max_items;
    if (max_items == std::numeric_limits<std::size_t>::max()) {
      what += "at least " + std::to_string(min_items);
      last = min_items;
    } else if (min_items == max_items) {
      what += std::to_string(min_items);
    } else {
      what += std::to_string(min_items) + " to " + std::to_string(max_items);
    }
    what += last == 1 ? " item" : " items";
    error("expected " + what + ", got " + std::to_string(n));
    return false;
  }
  return true;
}

// -- object_reader -------------------------------------------------------------

object_reader::object_reader(const value& v, std::string path,
                             diagnostics& errs)
  : v_(&v),
    path_(std::move(path)),
    errs_(&errs),
    ok_(v.type == value::kind::object) {
  if (!ok_)
    value_reader{v, path_, errs}.expected("an object");
  else
    used_.resize(v.members.size(), false);
}

std::optional<value_reader> object_reader::field(std::string_view key,
                                                 bool required) {
  if (!ok_)
    return std::nullopt;
  if (std::find(known_.begin(), known_.end(), key) == known_.end())
    known_.emplace_back(key);
  for (std::size_t i = 0; i < v_->members.size(); ++i) {
    const auto& m = v_->members[i];
    if (m.key == key) {
      used_[i] = true;
      return value_reader{m.v, member_path(path_, key), *errs_};
    }
  }
  if (required)
    errs_->add(v_->line, path_, "missing required key " + quote(key));
  return std::nullopt;
}

bool object_reader::has(std::string_view key) const {
  return ok_ && v_->find(key) != nullptr;
}

void object_reader::finish() {
  if (!ok_ || finished_)
    return;
  finished_ = true;
  for (std::size_t i = 0; i < v_->members.size(); ++i) {
    if (used_[i])
      continue;
    const auto& m = v_->members[i];
    std::string msg = "unknown key " + quote(m.key);
    const std::string* best = nullptr;
    std::size_t best_d = 0;
    for (const auto& k : known_) {
      if (m.key.size() > 64 || k.size() > 64)
        continue;
      auto d = distance(m.key, k);
      if (d * 3 <= std::max(m.key.size(), k.size())
          && (best == nullptr || d < best_d)) {
        best = &k;
        best_d = d;
      }
    }
    if (best != nullptr)
      msg += " (did you mean " + quote(*best) + "?)";
    errs_->add(m.line, path_, std::move(msg));
  }
}

} // namespace remedy::strict_json
