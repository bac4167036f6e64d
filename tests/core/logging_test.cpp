// Log levels: the names Remedy documents and spdlog's own spellings are
// accepted, from the environment and from set_log_level; anything else is
// refused. Each ctest test runs in its own process, so the environment and
// the forced level set here reach no other test.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "remedy/core/logging.hpp"

using namespace remedy;

TEST_CASE("REMEDY_LOG_LEVEL=warn sets new loggers to warn", "[logging]") {
  REQUIRE(::setenv("REMEDY_LOG_LEVEL", "warn", 1) == 0);
  CHECK(logger("remedy.test.env_warn")->level() == spdlog::level::warn);
  REQUIRE(::setenv("REMEDY_LOG_REMEDY_TEST_OWN", "error", 1) == 0);
  CHECK(logger("remedy.test.own")->level() == spdlog::level::err);
  REQUIRE(::setenv("REMEDY_LOG_LEVEL", "loud", 1) == 0);
  // Not a level: ignored (with a note on stderr), the default applies.
  CHECK(logger("remedy.test.env_bad")->level() == spdlog::level::info);
  ::unsetenv("REMEDY_LOG_LEVEL");
  ::unsetenv("REMEDY_LOG_REMEDY_TEST_OWN");
}

TEST_CASE("set_log_level takes every documented level name", "[logging]") {
  auto x = logger("remedy.test.set");
  struct {
    const char* name;
    spdlog::level::level_enum level;
  } cases[] = {
    {"trace", spdlog::level::trace},  {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},    {"warn", spdlog::level::warn},
    {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
    {"err", spdlog::level::err},      {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
  };
  for (auto& c : cases) {
    CAPTURE(c.name);
    CHECK(set_log_level(c.name));
    CHECK(x->level() == c.level);
    // Loggers made later get the forced level too.
    CHECK(logger(std::string{"remedy.test.later_"} + c.name)->level()
          == c.level);
  }
  CHECK(set_log_level("warn"));
  CHECK_FALSE(set_log_level("WARN"));
  CHECK_FALSE(set_log_level(""));
  CHECK_FALSE(set_log_level("verbose"));
  CHECK(x->level() == spdlog::level::warn); // unchanged by the refusals
}
