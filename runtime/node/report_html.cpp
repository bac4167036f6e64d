// STUB, TO BE REPLACED by the real HTML renderer (see report_html.hpp): it
// only wraps the report's JSON in a page so that `--report FILE.html` works
// end to end until then.

#include "report_html.hpp"

#include <boost/json/serialize.hpp>

namespace remedy::node {

std::string render_report_html(const boost::json::value& report) {
  std::string json = boost::json::serialize(report);
  std::string escaped;
  escaped.reserve(json.size());
  for (char c : json) {
    switch (c) {
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '&':
        escaped += "&amp;";
        break;
      default:
        escaped += c;
    }
  }
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
         "<title>remedy-node report</title></head><body>"
         "<h1>remedy-node report</h1><pre>"
         + escaped + "</pre></body></html>\n";
}

} // namespace remedy::node
