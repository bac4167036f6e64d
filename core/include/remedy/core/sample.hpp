#pragma once

#include <string>

#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// One measurement of one metric of one target: the signal every detector
/// reads. Any actor can publish one (see `report_sample`); routes publish
/// their call latency, error and in-flight figures by themselves.
///
/// Targets are names, not actor handles, so that a signal survives the
/// restart of the actor it describes: use the supervision path of a child
/// ("root/db") or a route's name. Metric names in use by Remedy itself:
///
/// | metric          | unit  | from                                    |
/// |-----------------|-------|-----------------------------------------|
/// | `latency_ms`    | ms    | route: mean latency of the calls answered in the interval |
/// | `latency_max_ms`| ms    | route: the slowest call answered in the interval |
/// | `error_rate`    | 0..1  | route: failed / answered in the interval |
/// | `calls`         | count | route: calls answered in the interval   |
/// | `in_flight`     | count | route: calls taken and not answered     |
/// | `oldest_ms`     | ms    | route: age of the oldest unanswered call |
struct sample {
  std::string target;
  std::string metric;
  double value = 0.0;
  /// When it was measured, on CAF's actor clock (virtual time under test).
  caf::timespan at{0};
};

/// The bus topic samples go to: "sample.<metric>" (subscribe to "sample."
/// for all of them).
std::string topic(const sample& x);

/// Publishes `x` on the event bus (a no-op while nobody subscribed to
/// samples). `at` of 0 is set to the clock's now.
void publish_sample(caf::local_actor* self, sample x);

/// Publishes a sample of `metric` of `target` measured now.
void publish_sample(caf::local_actor* self, std::string target,
                    std::string metric, double value);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sample& x) {
  return f(caf::meta::type_name("remedy.sample"), x.target, x.metric, x.value,
           x.at);
}

} // namespace remedy
