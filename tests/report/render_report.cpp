// render_report REPORT.json OUT.html: renders a chaos report JSON file as
// the HTML page remedy-node writes (runtime/node/report_html.hpp). Used by
// the ctest test report.chromium_render (check_render.sh) to load a real
// page in a real browser. Exit code 0 on success, 1 on any error.

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <boost/json/parse.hpp>

#include "node/report_html.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: render_report REPORT.json OUT.html\n";
    return 1;
  }
  std::ifstream in{argv[1], std::ios::binary};
  if (!in) {
    std::cerr << "render_report: cannot read " << argv[1] << '\n';
    return 1;
  }
  std::string text{std::istreambuf_iterator<char>{in},
                   std::istreambuf_iterator<char>{}};
  boost::json::error_code ec;
  auto report = boost::json::parse(text, ec);
  if (ec) {
    std::cerr << "render_report: " << argv[1] << ": " << ec.message() << '\n';
    return 1;
  }
  std::ofstream out{argv[2], std::ios::binary | std::ios::trunc};
  out << remedy::node::render_report_html(report);
  out.close();
  if (!out) {
    std::cerr << "render_report: cannot write " << argv[2] << '\n';
    return 1;
  }
  return 0;
}
