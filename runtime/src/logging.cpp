#include "remedy/runtime/logging.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>

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

spdlog::level::level_enum level_for(const std::string& name) {
  const char* value = std::getenv(env_key(name).c_str());
  if (value == nullptr)
    value = std::getenv("REMEDY_LOG_LEVEL");
  if (value == nullptr)
    return spdlog::level::info;
  return spdlog::level::from_str(value);
}

} // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
  static std::mutex mtx;
  std::lock_guard<std::mutex> guard{mtx};
  if (auto existing = spdlog::get(name))
    return existing;
  auto result = spdlog::stderr_color_mt(name);
  result->set_level(level_for(name));
  result->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  return result;
}

} // namespace remedy
