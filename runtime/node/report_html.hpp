#pragma once

// remedy-node's chaos report as a self-contained HTML page.

#include <string>

#include <boost/json/value.hpp>

namespace remedy::node {

/// Renders the chaos scenario's report JSON (`"remedy_node_report": 1`, see
/// docs/report.md) as one self-contained HTML page: inline CSS and inline
/// SVG, no script and no external resource. It shows the run's parameters,
/// a summary table of the run without and with Remedy side by side, the
/// overhead, the goals (met or missed), detection per fault class, healing
/// by strategy, the injected faults, and per run a timeline of availability
/// and p99 latency with every injected fault, detection and healing marked
/// (hover a marker for its <title>). Renders what is present: a missing or
/// null field shows as "n/a" or leaves its section out. All text from the
/// report is escaped.
std::string render_report_html(const boost::json::value& report);

} // namespace remedy::node
