#include "remedy/runtime/strict_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_map>
#include <utility>

#include <boost/json/basic_parser_impl.hpp>

#include "remedy/core/error.hpp"

namespace remedy::strict_json {

// -- diagnostics --------------------------------------------------------------

std::string diagnostic::to_string() const {
  std::string out = file;
  if (line > 0)
    out += ':' + std::to_string(line);
  if (!path.empty())
    out += (out.empty() ? "" : ": ") + path;
  out += (out.empty() ? "" : ": ") + message;
  return out;
}

diagnostics::diagnostics(std::string file) : file_(std::move(file)) {
  // nop
}

void diagnostics::add(std::size_t line, std::string path, std::string message) {
  // Stable by line: after every error on the same or an earlier line.
  auto pos = std::upper_bound(list_.begin(), list_.end(), line,
                              [](std::size_t l, const diagnostic& d) {
                                return l < d.line;
                              });
  list_.insert(pos, diagnostic{file_, line, std::move(path), std::move(message)});
}

std::string diagnostics::to_string() const {
  std::string out;
  for (const auto& d : list_) {
    if (!out.empty())
      out += '\n';
    out += d.to_string();
  }
  return out;
}

caf::error diagnostics::to_error() const {
  if (list_.empty())
    return caf::error{};
  return make_error(errc::invalid_argument, to_string());
}

// -- value ---------------------------------------------------------------------

const value* value::find(std::string_view key) const {
  for (const auto& m : members)
    if (m.key == key)
      return &m.v;
  return nullptr;
}

// -- paths and quoting ---------------------------------------------------------

namespace {

bool plain_name(std::string_view key) {
  if (key.empty())
    return false;
  auto c0 = key.front();
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_'))
    return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

} // namespace

std::string quote(std::string_view s) {
  constexpr std::size_t max_len = 60;
  std::string out = "\"";
  std::size_t n = 0;
  for (char c : s) {
    if (n++ == max_len) {
      out += "...";
      break;
    }
    auto uc = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (uc < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(uc));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string member_path(std::string_view parent, std::string_view key) {
  std::string out{parent};
  if (plain_name(key)) {
    out += '.';
    out += key;
  } else {
    out += '[';
    out += quote(key);
    out += ']';
  }
  return out;
}

// -- parser --------------------------------------------------------------------

namespace {

using boost::json::error_code;
using boost::json::string_view;

class builder {
public:
  builder(diagnostics& errs, std::size_t max_depth)
    : errs_(errs), max_depth_(max_depth) {
    // nop
  }

  std::size_t line = 1;
  /// Set when a handler stopped the parse and already reported why.
  bool reported = false;
  std::optional<value> root;

  bool open(value::kind k, error_code& ec) {
    if (stack_.size() >= max_depth_) {
      errs_.add(line, child_path(),
                "nesting deeper than " + std::to_string(max_depth_)
                  + " levels");
      reported = true;
      ec = boost::json::error::too_deep;
      return false;
    }
    frame f;
    f.path = child_path();
    f.v.type = k;
    f.v.line = line;
    stack_.push_back(std::move(f));
    return true;
  }

  bool close() {
    auto v = std::move(stack_.back().v);
    stack_.pop_back();
    add(std::move(v));
    return true;
  }

  void key(std::string_view part) {
    buf_ += part;
    auto& f = stack_.back();
    f.key = std::move(buf_);
    buf_.clear();
    f.key_line = line;
    auto [it, fresh] = f.seen.emplace(f.key, line);
    f.skip = !fresh;
    if (!fresh)
      errs_.add(line, f.path,
                "duplicate key " + quote(f.key) + " (first at line "
                  + std::to_string(it->second) + ")");
  }

  void part(std::string_view s) {
    buf_ += s;
  }

  void string(std::string_view last) {
    value v;
    v.type = value::kind::string;
    v.line = line;
    v.text = std::move(buf_);
    v.text += last;
    buf_.clear();
    add(std::move(v));
  }

  void integer(std::int64_t i, std::uint64_t u, bool fits_int64,
               std::string_view last) {
    value v;
    v.type = value::kind::integer;
    v.line = line;
    v.fits_int64 = fits_int64;
    v.non_negative = !fits_int64 || i >= 0;
    v.i = i;
    v.u = u;
    v.d = fits_int64 ? static_cast<double>(i) : static_cast<double>(u);
    v.text = take_number(last);
    add(std::move(v));
  }

  void number(double d, std::string_view last) {
    value v;
    v.line = line;
    v.d = d;
    v.text = take_number(last);
    if (v.text.find_first_of(".eE") == std::string::npos) {
      v.type = value::kind::invalid;
      errs_.add(line, child_path(),
                "integer " + v.text + " does not fit in 64 bits");
    } else if (!std::isfinite(d)) {
      v.type = value::kind::invalid;
      errs_.add(line, child_path(),
                "number " + v.text + " is out of range for a double");
    } else {
      v.type = value::kind::number;
    }
    add(std::move(v));
  }

  void boolean(bool b) {
    value v;
    v.type = value::kind::boolean;
    v.line = line;
    v.boolean = b;
    add(std::move(v));
  }

  void null() {
    value v;
    v.type = value::kind::null;
    v.line = line;
    add(std::move(v));
  }

private:
  struct frame {
    value v;
    std::string path;
    std::string key;
    std::size_t key_line = 0;
    bool skip = false;
    std::unordered_map<std::string, std::size_t> seen;
  };

  std::string child_path() const {
    if (stack_.empty())
      return "$";
    const auto& f = stack_.back();
    if (f.v.type == value::kind::object)
      return member_path(f.path, f.key);
    return f.path + '[' + std::to_string(f.v.items.size()) + ']';
  }

  std::string take_number(std::string_view last) {
    std::string out = std::move(buf_);
    out += last;
    buf_.clear();
    return out;
  }

  void add(value v) {
    if (stack_.empty()) {
      root = std::move(v);
      return;
    }
    auto& f = stack_.back();
    if (f.v.type == value::kind::array) {
      f.v.items.push_back(std::move(v));
    } else if (f.skip) {
      f.skip = false; // the duplicate: reported, dropped
    } else {
      f.v.members.push_back(value::member{f.key, f.key_line, std::move(v)});
    }
  }

  diagnostics& errs_;
  std::size_t max_depth_;
  std::vector<frame> stack_;
  std::string buf_;
};

struct handler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit handler(builder* b) : b(b) {
    // nop
  }

  builder* b;

  bool on_document_begin(error_code&) {
    return true;
  }
  bool on_document_end(error_code&) {
    return true;
  }
  bool on_object_begin(error_code& ec) {
    return b->open(value::kind::object, ec);
  }
  bool on_object_end(std::size_t, error_code&) {
    return b->close();
  }
  bool on_array_begin(error_code& ec) {
    return b->open(value::kind::array, ec);
  }
  bool on_array_end(std::size_t, error_code&) {
    return b->close();
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    b->part({s.data(), s.size()});
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    b->key({s.data(), s.size()});
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    b->part({s.data(), s.size()});
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    b->string({s.data(), s.size()});
    return true;
  }
  bool on_number_part(string_view s, error_code&) {
    b->part({s.data(), s.size()});
    return true;
  }
  bool on_int64(std::int64_t i, string_view s, error_code&) {
    b->integer(i, i >= 0 ? static_cast<std::uint64_t>(i) : 0, true,
               {s.data(), s.size()});
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view s, error_code&) {
    b->integer(0, u, false, {s.data(), s.size()});
    return true;
  }
  bool on_double(double d, string_view s, error_code&) {
    b->number(d, {s.data(), s.size()});
    return true;
  }
  bool on_bool(bool x, error_code&) {
    b->boolean(x);
    return true;
  }
  bool on_null(error_code&) {
    b->null();
    return true;
  }
  bool on_comment_part(string_view, error_code&) {
    return true;
  }
  bool on_comment(string_view, error_code&) {
    return true;
  }
};

} // namespace

document parse(std::string_view text, std::string name, limits lim) {
  document doc{std::nullopt, diagnostics{std::move(name)}};
  if (text.size() > lim.max_bytes) {
    doc.errors.add(1, "", "document larger than "
                            + std::to_string(lim.max_bytes) + " bytes");
    return doc;
  }
  builder b{doc.errors, lim.max_depth};
  boost::json::parse_options opt;
  opt.allow_comments = false;
  opt.allow_trailing_commas = false;
  opt.allow_invalid_utf8 = false;
  opt.max_depth = lim.max_depth + 1; // ours reports first, with the path
  boost::json::basic_parser<handler> p{opt, &b};
  auto fail = [&](const error_code& ec) {
    if (!b.reported)
      doc.errors.add(b.line, "", "invalid JSON: " + ec.message());
    return std::move(doc);
  };
  // One line per write: each callback then knows its line (no JSON token
  // spans a newline, so every token completes in the line it starts on).
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto end = nl == std::string_view::npos ? text.size() : nl + 1;
    error_code ec;
    auto n = p.write_some(true, text.data() + pos, end - pos, ec);
    if (ec)
      return fail(ec);
    if (p.done()) {
      // Only whitespace may follow the document.
      auto rest = text.find_first_not_of(" \t\r\n", pos + n);
      if (rest != std::string_view::npos) {
        auto before = text.substr(0, rest);
        b.line = 1
                 + static_cast<std::size_t>(
                   std::count(before.begin(), before.end(), '\n'));
        doc.errors.add(b.line, "", "invalid JSON: extra data after the document");
        doc.root.reset();
        return doc;
      }
      break;
    }
    pos = end;
    if (pos < text.size())
      ++b.line;
  }
  if (!p.done()) {
    error_code ec;
    p.write_some(false, nullptr, 0, ec);
    if (ec)
      return fail(ec);
  }
  doc.root = std::move(b.root);
  return doc;
}

document parse_file(const std::string& path, limits lim) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    document doc{std::nullopt, diagnostics{path}};
    doc.errors.add(0, "", "cannot open the file");
    return doc;
  }
  std::string text;
  // Read one byte past the limit, so a larger file is reported as such.
  text.resize(lim.max_bytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) {
    document doc{std::nullopt, diagnostics{path}};
    doc.errors.add(0, "", "cannot read the file");
    return doc;
  }
  return parse(text, path, lim);
}

} // namespace remedy::strict_json
