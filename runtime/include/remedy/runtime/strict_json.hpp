#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>

/// Strict JSON: a parser for configuration files that rejects what
/// Boost.JSON accepts silently, and the error list it reports into.
///
/// Rejected, each with `file:line: $.path: message`:
/// - syntax errors (Boost.JSON's message; comments and trailing commas are
///   syntax errors), and anything after the document;
/// - a key that appears twice in one object;
/// - an integer literal outside int64 and uint64 (Boost.JSON makes it a
///   double), e.g. 18446744073709551616;
/// - a number that is not finite as a double, e.g. 1e999;
/// - nesting deeper than `limits::max_depth`, text longer than
///   `limits::max_bytes`.
/// Every value of the tree knows the line it starts on. Reading the tree
/// with types, ranges and unknown keys is `json_reader.hpp`'s job.
namespace remedy::strict_json {

/// One error: where (file, line, JSON path) and what was expected.
struct diagnostic {
  std::string file;
  /// 1-based; 0 when the error is about the whole file (cannot read it).
  std::size_t line = 0;
  /// `$`, `$.a.b`, `$.list[2]`, `$["odd key"]`; empty for syntax errors.
  std::string path;
  std::string message;

  /// `file:line: path: message` (parts that are empty are left out).
  std::string to_string() const;
};

/// The errors of one file, kept in file order (by line, then as reported).
class diagnostics {
public:
  explicit diagnostics(std::string file);

  const std::string& file() const noexcept {
    return file_;
  }

  void add(std::size_t line, std::string path, std::string message);

  bool empty() const noexcept {
    return list_.empty();
  }

  const std::vector<diagnostic>& list() const noexcept {
    return list_;
  }

  /// Every error's `to_string()`, one per line (no trailing newline).
  std::string to_string() const;

  /// `errc::invalid_argument` with `to_string()` as context; none if empty.
  caf::error to_error() const;

private:
  std::string file_;
  std::vector<diagnostic> list_;
};

/// A JSON value of the tree, with the line it starts on.
struct value {
  enum class kind : std::uint8_t {
    null,
    boolean,
    /// A literal without fraction or exponent that fits int64 or uint64.
    integer,
    /// Any other finite number.
    number,
    string,
    array,
    object,
    /// Rejected while parsing (too large an integer, not finite); already
    /// reported, so readers skip it without a second error.
    invalid,
  };

  struct member;

  kind type = kind::null;
  std::size_t line = 0;
  bool boolean = false;
  /// For integers: whether the value fits int64 (then `i` holds it) and
  /// whether it is >= 0 (then `u` holds it).
  bool fits_int64 = false;
  bool non_negative = false;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  /// For numbers (integer or not): the value as a double.
  double d = 0;
  /// The string's content, or a number's literal text as written.
  std::string text;
  std::vector<value> items;
  std::vector<member> members;

  /// The member named `key`, or nullptr (duplicates are never stored).
  const value* find(std::string_view key) const;
};

struct value::member {
  std::string key;
  std::size_t line = 0;
  value v;
};

/// Bounds on what `parse` accepts.
struct limits {
  /// Objects and arrays nested deeper than this are rejected.
  std::size_t max_depth = 64;
  /// Text longer than this is rejected before parsing.
  std::size_t max_bytes = std::size_t{1} << 20;
};

/// A parsed file: the tree (absent after a syntax error, a depth or size
/// violation) and every error found so far. Readers add theirs to `errors`.
struct document {
  std::optional<value> root;
  diagnostics errors;
};

/// The path of member `key` of the object at `parent`: `$.a.key`, or
/// `$.a["odd key"]` when `key` is not a plain name.
std::string member_path(std::string_view parent, std::string_view key);

/// `s` as a JSON string literal (quotes, escapes), cut after 60 bytes.
std::string quote(std::string_view s);

/// Parses `text`; `name` is the file name used in errors.
document parse(std::string_view text, std::string name, limits lim = {});

/// Reads and parses the file at `path` (named `path` in errors).
document parse_file(const std::string& path, limits lim = {});

} // namespace remedy::strict_json
