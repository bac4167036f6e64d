#include "remedy/core/logging.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace remedy {

namespace {

std::string env_key(const std::string& name) {
  std::string key = "REMEDY_LOG_";
  for (auto c : name)
    key += std::isalnum(static_cast<unsigned char>(c))
             ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
             : '_';
  return key;
}

std::mutex mtx;
std::vector<std::shared_ptr<spdlog::logger>> loggers;
bool level_forced = false;
spdlog::level::level_enum forced_level = spdlog::level::info;
/// The bad level settings warned about already ("KEY=value"): once each.
std::set<std::string> warned;

/// Creates and registers logger `name` at `level` (`mtx` held).
std::shared_ptr<spdlog::logger> make_logger(const std::string& name,
                                            spdlog::level::level_enum level) {
  auto result = spdlog::stderr_color_mt(name);
  result->set_level(level);
  result->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  loggers.push_back(result);
  return result;
}

/// The logging setup's own logger (`mtx` held): it cannot take its level
/// from the environment it complains about.
std::shared_ptr<spdlog::logger> setup_logger() {
  static const std::string name = "remedy.logging";
  if (auto existing = spdlog::get(name))
    return existing;
  return make_logger(name, spdlog::level::warn);
}

/// Parses a level name; unlike spdlog::level::from_str, rejects unknown names
/// instead of turning them into "off". Takes the names Remedy documents
/// (trace, debug, info, warn, error, critical, off) and spdlog's own spellings
/// of two of them (spdlog 1.10 calls warn "warning" and error "err").
bool parse_level(const std::string& text, spdlog::level::level_enum& out) {
  static constexpr std::pair<const char*, spdlog::level::level_enum> names[] = {
    {"trace", spdlog::level::trace},  {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},    {"warn", spdlog::level::warn},
    {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
    {"err", spdlog::level::err},      {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
  };
  for (auto& [name, lvl] : names)
    if (text == name) {
      out = lvl;
      return true;
    }
  return false;
}

spdlog::level::level_enum level_for(const std::string& name) {
  if (level_forced)
    return forced_level;
  for (auto key : {env_key(name), std::string{"REMEDY_LOG_LEVEL"}}) {
    const char* value = std::getenv(key.c_str());
    if (value == nullptr)
      continue;
    spdlog::level::level_enum result;
    if (parse_level(value, result))
      return result;
    if (warned.insert(key + "=" + value).second)
      setup_logger()->warn("ignoring {}={} (not a log level: use trace, "
                           "debug, info, warn, error, critical or off)",
                           key, value);
  }
  return spdlog::level::info;
}

} // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx};
  if (auto existing = spdlog::get(name))
    return existing;
  return make_logger(name, level_for(name));
}

bool set_log_level(const std::string& level) {
  spdlog::level::level_enum lvl;
  if (!parse_level(level, lvl))
    return false;
  std::lock_guard<std::mutex> guard{mtx};
  level_forced = true;
  forced_level = lvl;
  for (auto& x : loggers)
    x->set_level(lvl);
  return true;
}

} // namespace remedy
