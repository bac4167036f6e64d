// Checks a report of remedy-node's chaos scenario (run by the ctest
// scenario.chaos_short): the goals and the bookkeeping, see chaos_check.hpp.
// Exit code 0 when the report passes, 1 when not, 2 when it cannot be read.
//
//   check_chaos_report [--overhead-measured-only] REPORT.json
//
// --overhead-measured-only: the overhead goal must only have been measured,
// not met (see docs/chaos-scenario.md: a short debug-build run on a shared
// machine cannot measure a 5 % difference).

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <boost/json.hpp>

#include "chaos_check.hpp"

int main(int argc, char** argv) {
  remedy::node::check_options opts;
  int first = 1;
  if (argc == 3 && std::string{argv[1]} == "--overhead-measured-only") {
    opts.overhead_goal = false;
    first = 2;
  }
  if (argc != first + 1) {
    std::cerr << "usage: check_chaos_report [--overhead-measured-only] "
                 "REPORT.json\n";
    return 2;
  }
  const char* path = argv[first];
  std::ifstream in{path, std::ios::binary};
  std::string text{std::istreambuf_iterator<char>{in},
                   std::istreambuf_iterator<char>{}};
  boost::json::error_code ec;
  auto report = boost::json::parse(text, ec);
  if (!in.good() && !in.eof()) {
    std::cerr << "check_chaos_report: cannot read " << path << '\n';
    return 2;
  }
  if (ec) {
    std::cerr << "check_chaos_report: " << path << ": " << ec.message()
              << '\n';
    return 2;
  }
  auto problems = remedy::node::check_report(report, opts);
  for (auto& p : problems)
    std::cout << "FAIL: " << p << '\n';
  if (problems.empty())
    std::cout << "report OK: goals met"
              << (opts.overhead_goal ? "" : " (overhead measured only)")
              << ", bookkeeping consistent\n";
  return problems.empty() ? 0 : 1;
}
