#include "remedy/runtime/metrics.hpp"

#include <memory>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>
#include <caf/response_promise.hpp>

#include <spdlog/spdlog.h>

#include "remedy/classification/atoms.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/health_report.hpp"
#include "remedy/runtime/metrics_book.hpp"
#include "remedy/runtime/type_ids.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor_actor.hpp"
#include "remedy/supervision/type_ids.hpp"

namespace remedy {

namespace {

/// One node of the supervision tree as a health answer shows it.
struct tree_node {
  std::string id;
  child_type type = child_type::supervisor;
  std::string status;
  uint64_t restarts = 0;
  /// Why this supervisor's children are not listed (no answer in time,
  /// down, depth limit); empty if they are.
  std::string error;
  /// Owned one by one so that a node's address survives its siblings'
  /// insertion while replies fill the tree in.
  std::vector<std::unique_ptr<tree_node>> children;
  bool listed = false;

  boost::json::value to_json() const {
    boost::json::object x;
    x["id"] = id;
    x["type"] = to_string(type);
    x["status"] = status;
    x["restarts"] = restarts;
    if (!error.empty())
      x["error"] = error;
    if (type == child_type::supervisor && listed) {
      boost::json::array xs;
      for (auto& c : children)
        xs.emplace_back(c->to_json());
      x["children"] = std::move(xs);
    }
    return x;
  }
};

/// One health request waiting for the tree.
struct tree_query {
  caf::response_promise rp;
  tree_node root;
  size_t pending = 0;
  caf::actor_clock::time_point deadline;
};

using tree_query_ptr = std::shared_ptr<tree_query>;

class metrics_impl : public caf::event_based_actor {
public:
  metrics_impl(caf::actor_config& cfg, metrics_settings settings)
    : caf::event_based_actor(cfg),
      book_(settings),
      settings_(std::move(settings)),
      log_(logger("remedy.metrics")) {
    // subscriptions start in make_behavior
  }

  const char* name() const override {
    return "remedy.metrics";
  }

  caf::behavior make_behavior() override {
    install_exception_handler(this);
    for (auto prefix :
         {"supervision.", "route.", "sample.calls", "sample.latency_ms",
          "sample.error_rate", "sample.in_flight", "detection.", "fault.",
          "classifier.snapshot", "healing.", "scheduler.", "node.",
          "cluster."})
      subscribe(this, prefix);
    // The classifiers answer with what they hold now (a fault raised before
    // this actor started would otherwise never show).
    publish(this, "classifier.sync", caf::make_message(fault_sync_atom::value));
    set_down_handler([this](caf::down_msg& msg) {
      if (settings_.root && msg.source == settings_.root.address()) {
        root_down_ = "down (" + render(msg.reason) + ")";
        log_->warn("metrics '{}': root supervisor '{}' is {}", settings_.name,
                   settings_.root_name, root_down_);
      }
    });
    if (settings_.root)
      monitor(settings_.root);
    // Events of kinds this actor does not know (the bus carries more than
    // it counts) are dropped silently; only a request gets an error.
    set_default_handler([](caf::scheduled_actor* ptr,
                           caf::message_view&) -> caf::result<caf::message> {
      if (ptr->current_message_id().is_request())
        return make_error(errc::unexpected_message,
                          "the metrics actor answers metrics and health");
      return caf::message{};
    });
    log_->debug("metrics '{}' started", settings_.name);
    return {
      [this](const supervision_event& x) { book_.apply(x); },
      [this](const route_event& x) { book_.apply(x); },
      [this](const sample& x) { book_.apply(x); },
      [this](const detection& x) { book_.apply(x); },
      [this](const fault_event& x) { book_.apply(x); },
      [this](const fault_snapshot& x) { book_.apply(x); },
      [this](const healing_event& x) { book_.apply(x); },
      [this](const scheduler_event& x) { book_.apply(x); },
      [this](const node_event& x) { book_.apply(x); },
      [this](const cluster_event& x) { book_.apply(x); },
      [this](metrics_root_atom, caf::actor& root) {
        // A node restarted its tree: watch the new root.
        settings_.root = std::move(root);
        root_down_.clear();
        if (settings_.root)
          monitor(settings_.root);
      },
      [this](metrics_atom) { return book_.render(); },
      [this](health_atom) -> caf::result<health_report> {
        if (!settings_.root)
          return book_.health(nullptr, "");
        auto q = std::make_shared<tree_query>();
        q->root.id = settings_.root_name;
        q->root.type = child_type::supervisor;
        if (!root_down_.empty()) {
          q->root.status = "down";
          return book_.health(q->root.to_json(), root_down_);
        }
        q->root.status = "running";
        q->rp = make_response_promise();
        q->deadline = clock().now() + settings_.tree_timeout;
        list(q, q->root, settings_.root, 0);
        return q->rp;
      },
    };
  }

private:
  /// Asks `sup` for its children into `node`, and so on down; the last
  /// answer (or timeout) of the query delivers the health report.
  void list(const tree_query_ptr& q, tree_node& node, const caf::actor& sup,
            size_t depth) {
    auto left = q->deadline - clock().now();
    if (left <= caf::timespan{0}) {
      node.error = "no answer within the tree timeout";
      return;
    }
    ++q->pending;
    auto* np = &node;
    which_children(this, sup, left)
      .then(
        [this, q, np, depth](std::vector<child_info>& xs) {
          np->listed = true;
          for (auto& x : xs) {
            auto child = std::make_unique<tree_node>();
            child->id = x.id;
            child->type = x.type;
            child->status = to_string(x.status);
            child->restarts = x.restarts;
            auto& c = *child;
            np->children.push_back(std::move(child));
            if (x.type != child_type::supervisor || !x.current)
              continue;
            if (depth + 1 >= settings_.max_depth)
              c.error = "not listed: depth limit";
            else
              list(q, c, x.current, depth + 1);
          }
          done(q);
        },
        [this, q, np](caf::error& err) {
          np->error = render(err);
          done(q);
        });
  }

  void done(const tree_query_ptr& q) {
    if (--q->pending > 0)
      return;
    std::string root_problem;
    if (!q->root.error.empty())
      root_problem = "no answer (" + q->root.error + ")";
    q->rp.deliver(book_.health(q->root.to_json(), root_problem));
  }

  metrics_book book_;
  metrics_settings settings_;
  /// Why the root is down (empty while it runs).
  std::string root_down_;
  std::shared_ptr<spdlog::logger> log_;
};

} // namespace

caf::expected<caf::actor> spawn_metrics(caf::actor_system& sys,
                                        metrics_settings settings) {
  if (auto err = settings.validate())
    return err;
  return sys.spawn<metrics_impl>(std::move(settings));
}

} // namespace remedy
