#pragma once

#include <memory>
#include <string>

namespace spdlog {
class logger;
} // namespace spdlog

namespace remedy {

/// Returns the spdlog logger `name` (e.g. "remedy.supervisor"), creating it on
/// first use with a stderr sink. Its level comes from the environment:
/// `REMEDY_LOG_<NAME>` (name upper-cased, dots as underscores) if set, else
/// `REMEDY_LOG_LEVEL`, else "info". Levels: trace, debug, info, warn, error,
/// critical, off (and spdlog's own spellings "warning" and "err"); another
/// value is ignored with a note on stderr. Thread-safe.
std::shared_ptr<spdlog::logger> logger(const std::string& name);

/// Sets the level of every Remedy logger, now and for those created later
/// (overriding the environment). `level` is one of spdlog's level names;
/// returns false (and changes nothing) for anything else.
bool set_log_level(const std::string& level);

} // namespace remedy
