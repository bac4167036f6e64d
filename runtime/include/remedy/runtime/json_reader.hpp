#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/timespan.hpp>

#include "remedy/runtime/strict_json.hpp"

/// Typed reading of a strict JSON tree with paths: each read checks type and
/// range, and a failed one adds `file:line: $.path: expected ..., got ...`
/// to the document's errors and leaves the target unchanged. Reading goes on
/// after an error, so one pass reports every error of a file, in file order.
///
///     auto doc = strict_json::parse_file("node.json");
///     strict_json::read_object(doc, [&](strict_json::object_reader& o) {
///       o.get("port", port, uint16_t{1}, uint16_t{65535});
///       o.get_optional("timeout", timeout, caf::timespan{0}, max_timeout);
///       o.object("tree", [&](strict_json::object_reader& t) { ... });
///     });
///     if (!doc.errors.empty()) return doc.errors.to_error();
///
/// Every object reader reports the keys nobody asked for as unknown (with a
/// "did you mean" for a near miss) when it finishes; nested readers finish
/// by themselves, `read_object` finishes the root.
namespace remedy::strict_json {

enum class string_rule { any, non_empty };

class object_reader;

/// Reads one value (at `path`) as one type.
class value_reader {
public:
  value_reader(const value& v, std::string path, diagnostics& errs);

  const value& get() const noexcept {
    return *v_;
  }

  const std::string& path() const noexcept {
    return path_;
  }

  /// Only `true` or `false` (not 0 or 1, not "true").
  bool read(bool& out);

  /// An integer literal (no fraction, no exponent) from `min` to `max`.
  template <class T, std::enable_if_t<std::is_integral_v<T>
                                        && !std::is_same_v<T, bool>,
                                      int> = 0>
  bool read(T& out, std::common_type_t<T> min = std::numeric_limits<T>::min(),
            std::common_type_t<T> max = std::numeric_limits<T>::max()) {
    if constexpr (std::is_signed_v<T>) {
      std::int64_t x = 0;
      if (!read_signed(min, max, x))
        return false;
      out = static_cast<T>(x);
    } else {
      std::uint64_t x = 0;
      if (!read_unsigned(min, max, x))
        return false;
      out = static_cast<T>(x);
    }
    return true;
  }

  /// Any finite number from `min` to `max` (integers included).
  bool read(double& out, double min = std::numeric_limits<double>::lowest(),
            double max = std::numeric_limits<double>::max());

  bool read(std::string& out, string_rule rule = string_rule::any);

  /// A string: a whole number and a unit, one of ns, us, ms, s, m, h
  /// ("500ms", "2s", "1m"); bare numbers are rejected (seconds or
  /// milliseconds? the file says which).
  bool read(caf::timespan& out, caf::timespan min = caf::timespan::zero(),
            caf::timespan max = caf::timespan::max());

  /// One of the strings in `choices`, stored as its paired value.
  template <class T>
  bool read_enum(T& out,
                 std::initializer_list<std::pair<std::string_view, T>> choices) {
    std::vector<std::string_view> names;
    names.reserve(choices.size());
    for (const auto& c : choices)
      names.push_back(c.first);
    auto i = choose(names);
    if (!i)
      return false;
    out = (choices.begin() + *i)->second;
    return true;
  }

  /// An object: calls `f(object_reader&)`, then reports its unknown keys.
  template <class F>
  bool object(F&& f);

  /// An array of `min_items` to `max_items` values: calls `f(value_reader&)`
  /// for each, in order.
  template <class F>
  bool array(F&& f, std::size_t min_items = 0,
             std::size_t max_items = std::numeric_limits<std::size_t>::max()) {
    if (!check_array(min_items, max_items))
      return false;
    for (std::size_t i = 0; i < v_->items.size(); ++i) {
      value_reader item{v_->items[i], path_ + '[' + std::to_string(i) + ']',
                        *errs_};
      f(item);
    }
    return true;
  }

  /// Adds `expected <what>, got <this value>` at this value.
  void expected(const std::string& what);

  /// Adds `message` at this value.
  void error(std::string message);

private:
  bool read_signed(std::int64_t min, std::int64_t max, std::int64_t& out);
  bool read_unsigned(std::uint64_t min, std::uint64_t max, std::uint64_t& out);
  std::optional<std::size_t> choose(const std::vector<std::string_view>& names);
  bool check_array(std::size_t min_items, std::size_t max_items);

  const value* v_;
  std::string path_;
  diagnostics* errs_;
};

/// Reads the members of one object by name.
class object_reader {
public:
  /// Reports `expected an object` if `v` is not one (then every read
  /// returns false without further errors).
  object_reader(const value& v, std::string path, diagnostics& errs);

  object_reader(const object_reader&) = delete;
  object_reader& operator=(const object_reader&) = delete;

  /// Whether this reader reads an object.
  bool valid() const noexcept {
    return ok_;
  }

  const std::string& path() const noexcept {
    return path_;
  }

  /// The member `key` (marked as read), or none; reports `missing required
  /// key` if it is absent and `required`.
  std::optional<value_reader> field(std::string_view key, bool required);

  /// Reads the required member `key` into `out`; `args` as for
  /// `value_reader::read` (ranges, string rule).
  template <class T, class... Args>
  bool get(std::string_view key, T& out, Args&&... args) {
    auto r = field(key, true);
    return r && r->read(out, std::forward<Args>(args)...);
  }

  /// As `get`, but an absent key is no error (and leaves `out` as it is).
  /// Returns whether the key was there and read.
  template <class T, class... Args>
  bool get_optional(std::string_view key, T& out, Args&&... args) {
    auto r = field(key, false);
    return r && r->read(out, std::forward<Args>(args)...);
  }

  template <class T>
  bool get_enum(std::string_view key, T& out,
                std::initializer_list<std::pair<std::string_view, T>> choices) {
    auto r = field(key, true);
    return r && r->read_enum(out, choices);
  }

  template <class T>
  bool get_enum_optional(
    std::string_view key, T& out,
    std::initializer_list<std::pair<std::string_view, T>> choices) {
    auto r = field(key, false);
    return r && r->read_enum(out, choices);
  }

  template <class F>
  bool object(std::string_view key, F&& f) {
    auto r = field(key, true);
    return r && r->object(std::forward<F>(f));
  }

  template <class F>
  bool object_optional(std::string_view key, F&& f) {
    auto r = field(key, false);
    return r && r->object(std::forward<F>(f));
  }

  template <class F>
  bool array(std::string_view key, F&& f, std::size_t min_items = 0,
             std::size_t max_items = std::numeric_limits<std::size_t>::max()) {
    auto r = field(key, true);
    return r && r->array(std::forward<F>(f), min_items, max_items);
  }

  template <class F>
  bool array_optional(std::string_view key, F&& f, std::size_t min_items = 0,
                      std::size_t max_items
                      = std::numeric_limits<std::size_t>::max()) {
    auto r = field(key, false);
    return r && r->array(std::forward<F>(f), min_items, max_items);
  }

  /// Whether the object has member `key` (does not mark it as read).
  bool has(std::string_view key) const;

  /// Reports each member no read asked for: `unknown key "x"`, with
  /// `(did you mean "y"?)` when a known key is a near miss. Once.
  void finish();

private:
  const value* v_;
  std::string path_;
  diagnostics* errs_;
  bool ok_;
  bool finished_ = false;
  std::vector<bool> used_;
  std::vector<std::string> known_;
};

template <class F>
bool value_reader::object(F&& f) {
  object_reader r{*v_, path_, *errs_};
  if (!r.valid())
    return false;
  f(r);
  r.finish();
  return true;
}

/// Reads the root of `doc` as an object with `f`, then reports its unknown
/// keys. Does nothing if `doc` has no tree (a syntax error is reported).
/// Returns whether `doc` has no errors at all.
template <class F>
bool read_object(document& doc, F&& f) {
  if (doc.root) {
    value_reader r{*doc.root, "$", doc.errors};
    r.object(std::forward<F>(f));
  }
  return doc.errors.empty();
}

} // namespace remedy::strict_json
