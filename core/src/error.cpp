#include "remedy/core/error.hpp"

#include <caf/exit_reason.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace remedy {

const char* to_string(errc x) {
  switch (x) {
    case errc::none:
      return "none";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::unknown_child:
      return "unknown_child";
    case errc::already_present:
      return "already_present";
    case errc::already_started:
      return "already_started";
    case errc::running:
      return "running";
    case errc::restarting:
      return "restarting";
    case errc::start_failed:
      return "start_failed";
    case errc::max_restart_intensity:
      return "max_restart_intensity";
    case errc::not_supported:
      return "not_supported";
    case errc::shutting_down:
      return "shutting_down";
    case errc::unhandled_exception:
      return "unhandled_exception";
    case errc::target_down:
      return "target_down";
    case errc::stash_full:
      return "stash_full";
    case errc::stash_dropped:
      return "stash_dropped";
    case errc::stash_timeout:
      return "stash_timeout";
    case errc::unexpected_message:
      return "unexpected_message";
    case errc::breaker_open:
      return "breaker_open";
    case errc::bulkhead_full:
      return "bulkhead_full";
    case errc::bulkhead_timeout:
      return "bulkhead_timeout";
    case errc::timeout:
      return "timeout";
    case errc::heal_failed:
      return "heal_failed";
    case errc::task_rejected:
      return "task_rejected";
    case errc::task_expired:
      return "task_expired";
    case errc::task_failed:
      return "task_failed";
    case errc::node_unreachable:
      return "node_unreachable";
    case errc::node_down:
      return "node_down";
    case errc::not_leader:
      return "not_leader";
    case errc::stale_term:
      return "stale_term";
  }
  return "<unknown remedy error>";
}

caf::error make_error(errc x) {
  return {static_cast<uint8_t>(x), error_category};
}

caf::error make_error(errc x, std::string context) {
  return {static_cast<uint8_t>(x), error_category,
          caf::make_message(std::move(context))};
}

bool is(const caf::error& err, errc x) {
  // CAF 0.17's error::category() and code() dereference null on an empty
  // error: check first.
  return err && err.category() == error_category
         && err.code() == static_cast<uint8_t>(x);
}

std::string context_of(const caf::error& err) {
  if (!err)
    return render(err);
  auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return render(err);
}

std::string render(const caf::error& err) {
  if (!err)
    return "none";
  std::string result;
  auto cat = err.category();
  if (cat == error_category) {
    result = "remedy.";
    result += to_string(static_cast<errc>(err.code()));
  } else if (cat == caf::atom("system")) {
    result = "system.";
    result += caf::to_string(static_cast<caf::sec>(err.code()));
  } else if (cat == caf::atom("exit")) {
    result = "exit.";
    result += caf::to_string(static_cast<caf::exit_reason>(err.code()));
  } else {
    result = caf::to_string(cat);
    result += '.';
    result += std::to_string(err.code());
  }
  auto& ctx = err.context();
  if (!ctx.empty()) {
    result += ": ";
    if (ctx.size() == 1 && ctx.match_element<std::string>(0))
      result += ctx.get_as<std::string>(0);
    else
      result += caf::to_string(ctx);
  }
  return result;
}

} // namespace remedy
