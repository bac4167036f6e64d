#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/healing/healing_policy.hpp"
#include "remedy/healing/strategy_record.hpp"

namespace remedy {

/// One rung of a ladder as the learner sees it.
struct ladder_rung {
  std::string strategy;
  /// Applies to the fault at hand (from its offer).
  bool applies = true;
  bool drastic = false;
};

/// Which strategy to try, learned from verified outcomes: a value type,
/// deterministic for a seed.
///
/// `choose` gets the ladder of the fault's class (cheap to drastic) and the
/// strategies already tried on this fault. Among the untried non-drastic
/// rungs that apply it draws from each one's Beta posterior (Thompson
/// sampling) and takes the highest draw. Each posterior starts from a prior
/// set by the rung's position, Beta(1 + w (n - i) / n, 1 + w i / n) for
/// rung i of n with weight w, so the ladder's order decides while nothing
/// is known, and then adds the rung's held successes and its failures
/// (relapses count as failures). A first choice (nothing tried yet) counts
/// only the outcomes of first tries; a choice after a failure counts only
/// the outcomes of later tries: a rung reached by escalation meets only
/// the faults the rungs before it could not cure, and mixing those in
/// would overrate it for fresh faults. Drastic rungs are never drawn: one
/// is chosen, in ladder order, only when no non-drastic rung is left
/// (escalation). With `healing_policy::first_applicable` the first untried
/// applicable rung is chosen.
class strategy_learner {
public:
  explicit strategy_learner(double prior_weight = 2.0, uint64_t seed = 0);

  /// The index in `ladder` to try next, or none if nothing is left.
  std::optional<size_t> choose(fault_class cls,
                               const std::vector<ladder_rung>& ladder,
                               const std::set<std::string>& tried,
                               healing_policy policy = healing_policy::learned);

  /// A healing by `strategy` of a `cls` fault was verified, `recover`
  /// after the fault's raise; `first`: it was the first strategy tried on
  /// the fault.
  void record_success(fault_class cls, const std::string& strategy,
                      caf::timespan recover, bool first = true);

  /// A healing by `strategy` failed (did not clear the fault, or could not
  /// act).
  void record_failure(fault_class cls, const std::string& strategy,
                      bool first = true);

  /// A verified healing by `strategy` relapsed.
  void record_relapse(fault_class cls, const std::string& strategy,
                      bool first = true);

  /// The table: one row per (class, strategy) seen, sorted.
  std::vector<strategy_record> table() const;

  /// Replaces what was learned with `rows`.
  void load(const std::vector<strategy_record>& rows);

  /// The row of (cls, strategy) (zeros if unseen).
  strategy_record record(fault_class cls, const std::string& strategy) const;

private:
  strategy_record& row(fault_class cls, const std::string& strategy);
  double draw(double a, double b);

  double prior_weight_;
  std::vector<strategy_record> rows_;
  std::mt19937_64 rng_;
};

/// The table as JSON: {"version":1,"strategies":[{"class":"hang",
/// "strategy":"restart","successes":3,...}]}.
std::string to_json(const std::vector<strategy_record>& rows);

/// Parses what `to_json` wrote; a clear error naming the entry and field
/// for anything else.
caf::expected<std::vector<strategy_record>>
table_from_json(const std::string& text);

/// Writes the table to `path` (through a temporary file and a rename, so a
/// crash never leaves half a file).
caf::error save_table(const std::string& path,
                      const std::vector<strategy_record>& rows);

/// Reads a table from `path`; an empty table if the file does not exist.
caf::expected<std::vector<strategy_record>>
load_table(const std::string& path);

} // namespace remedy
