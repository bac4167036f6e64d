#pragma once

// remedy-node's report as a self-contained HTML page.
//
// PLACEHOLDER: the real renderer (a timeline drawn as inline SVG) is being
// written separately; report_html.cpp holds a minimal stub with the same
// signature, to be replaced by it. The input is the report JSON of
// docs/chaos-scenario.md.

#include <string>

#include <boost/json/value.hpp>

namespace remedy::node {

/// The page for `report` (a `remedy_node_report` object).
std::string render_report_html(const boost::json::value& report);

} // namespace remedy::node
