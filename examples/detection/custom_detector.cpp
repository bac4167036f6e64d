// A detector of your own: "progress stalled" raises a hang when a
// progress counter (metric `processed`) stops moving for a number of samples
// in a row, and clears when it moves again. It is a plain class; Remedy's
// detector actor runs it, the classifier turns its detections into faults.
// Exits 0 only if the stall was raised, classified and cleared.

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <caf/all.hpp>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

// [detector]
class progress_stalled : public detector {
public:
  explicit progress_stalled(int limit) : detector("progress"), limit_(limit) {
  }

  unsigned inputs() const override {
    return samples;
  }

  void on_sample(const sample& x, detections& out) override {
    if (x.metric != "processed")
      return;
    auto& [last, still] = series_[x.target];
    still = x.value == last ? still + 1 : 0;
    last = x.value;
    report(out, still >= limit_,
           detection::raise(detection_kind::hang, x).with_detail("stalled"));
  }

private:
  int limit_;
  std::map<std::string, std::pair<double, int>> series_; // last, still
};
// [detector]

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  subscribe(self.ptr(), "fault.");
  // [spawn]
  auto watcher = spawn_detector(sys, std::make_unique<progress_stalled>(5));
  classifier_settings rules;
  rules.clear_after = 0s;
  auto faults = spawn_classifier(sys, rules);
  // [spawn]
  if (!faults) {
    std::cout << render(faults.error()) << '\n';
    return 1;
  }
  // A job processes 10 items per sample, stalls for 8 samples, resumes.
  double processed = 0;
  for (int i = 0; i < 30; ++i) {
    if (i < 10 || i >= 18)
      processed += 10;
    publish_sample(self.ptr(), "jobs/import", "processed", processed);
    std::this_thread::sleep_for(5ms);
  }
  bool raised = false;
  bool cleared = false;
  for (int i = 0; i < 20 && !cleared; ++i)
    self->receive(
      [&](fault_event& ev) {
        std::cout << "fault " << to_string(ev.what.cls) << " of "
                  << ev.what.target << ' ' << to_string(ev.kind) << '\n';
        raised = raised
                 || (ev.kind == fault_event_kind::raised
                     && ev.what.cls == fault_class::hang);
        cleared = cleared || ev.kind == fault_event_kind::cleared;
      },
      caf::after(100ms) >> [] {});
  self->send_exit(watcher, caf::exit_reason::user_shutdown);
  self->send_exit(*faults, caf::exit_reason::user_shutdown);
  std::cout << (raised && cleared ? "stall detected and cleared\n"
                                  : "FAILED\n");
  return raised && cleared ? 0 : 1;
}
