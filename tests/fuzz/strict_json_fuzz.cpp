// libFuzzer target for the strict JSON parser and reader (clang only):
// parses the input, reads it with a schema that uses every kind of read,
// and traps if an error breaks the rules every error follows (a line inside
// the text, errors in file order, one caf::error exactly when any error).
//
// Built as fuzz_strict_json when the compiler is clang; ctest runs it for 5
// seconds (fuzz.strict_json). By hand, from the build directory:
//
//   ./fuzz/fuzz_strict_json -max_total_time=60 fuzz/corpus \
//     ../../tests/fuzz/strict_json_corpus

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "remedy/runtime/json_reader.hpp"
#include "remedy/runtime/strict_json.hpp"

namespace sj = remedy::strict_json;
using namespace std::chrono_literals;

namespace {

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

void read_any(sj::object_reader& o, int depth) {
  bool b = false;
  std::uint16_t u16 = 0;
  std::int64_t i64 = 0;
  std::uint64_t u64 = 0;
  double d = 0;
  std::string s;
  caf::timespan t{};
  int e = 0;
  o.get_optional("b", b);
  o.get("port", u16, 1, 65535);
  o.get_optional("i", i64);
  o.get_optional("u", u64);
  o.get_optional("d", d, 0.0, 1.0);
  o.get_optional("s", s, sj::string_rule::non_empty);
  o.get_optional("t", t, 1ms, 1h);
  o.get_enum_optional("e", e, {{"one", 1}, {"two", 2}});
  if (depth < 4) {
    o.object_optional("o", [&](sj::object_reader& x) { read_any(x, depth + 1); });
    o.array_optional("a", [&](sj::value_reader& v) {
      if (v.get().type == sj::value::kind::object)
        v.object([&](sj::object_reader& x) { read_any(x, depth + 1); });
      else
        v.read(i64, -5, 5);
    });
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto doc = sj::parse(text, "fuzz.json", sj::limits{16, 1 << 16});
  sj::read_object(doc, [](sj::object_reader& o) { read_any(o, 0); });
  auto lines = static_cast<std::size_t>(
                 std::count(text.begin(), text.end(), '\n'))
               + 1;
  const auto& list = doc.errors.list();
  for (std::size_t i = 0; i < list.size(); ++i) {
    check(list[i].line >= 1 && list[i].line <= lines);
    check(i == 0 || list[i - 1].line <= list[i].line);
    check(!list[i].message.empty());
    check(list[i].to_string().rfind("fuzz.json:", 0) == 0);
  }
  check(static_cast<bool>(doc.errors.to_error()) == !list.empty());
  // No tree means a reported error.
  check(doc.root.has_value() || !list.empty());
  return 0;
}
