#pragma once

#include <vector>

namespace remedy {

/// The `p`th percentile (0 to 100, clamped) of `xs`, interpolating linearly
/// between ranks; NaN for an empty vector. What the evaluators, the
/// benchmarks and remedy-node's reports use.
double percentile(std::vector<double> xs, double p);

/// `percentile(xs, 50)`.
double median(std::vector<double> xs);

} // namespace remedy
