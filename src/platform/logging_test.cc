#include "platform/logging.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/posix_fs.h"

namespace reclaim {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

struct LevelCase {
  std::string input;
  LogLevel want;
};

TEST(LoggingTest, ParsesLevelNames) {
  const LevelCase cases[] = {
      {"trace", LogLevel::kTrace}, {"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo},
      {"INFO", LogLevel::kInfo},   {"Warn", LogLevel::kWarn},   {"warning", LogLevel::kWarn},
      {"error", LogLevel::kError}, {"fatal", LogLevel::kFatal}, {"critical", LogLevel::kFatal},
      {"off", LogLevel::kOff},
  };
  for (const auto& c : cases) {
    auto level = ParseLogLevel(c.input);
    ASSERT_TRUE(level.ok()) << c.input << ": " << level.status();
    EXPECT_EQ(*level, c.want) << c.input;
  }
}

TEST(LoggingTest, RejectsBadLevels) {
  for (const std::string bad : {"", "verbose", "inf", " info", "info ", "err", "panic"}) {
    auto level = ParseLogLevel(bad);
    ASSERT_FALSE(level.ok()) << bad;
    EXPECT_EQ(level.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(level.status().message(),
              "invalid log level \"" + bad +
                  "\": want one of trace, debug, info, warn, error, fatal, off");
  }
}

TEST(LoggingTest, LevelNames) {
  EXPECT_EQ(LogLevelName(LogLevel::kWarn), "warning");
  EXPECT_EQ(LogLevelName(LogLevel::kFatal), "fatal");
  EXPECT_EQ(LogLevelName(LogLevel::kDebug), "debug");
  // Every printed name parses back to its level.
  for (LogLevel l : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                     LogLevel::kError, LogLevel::kFatal, LogLevel::kOff}) {
    EXPECT_EQ(*ParseLogLevel(LogLevelName(l)), l);
  }
}

TEST(LoggingTest, JsonLineEscapes) {
  const absl::Time t = absl::FromUnixMicros(1700000000123456);
  const std::pair<std::string, std::string> cases[] = {
      {"plain", R"({"level":"info","msg":"plain","time":"2023-11-14T22:13:20.123456Z"})"},
      {"a \"quote\" and \\",
       R"({"level":"info","msg":"a \"quote\" and \\","time":"2023-11-14T22:13:20.123456Z"})"},
      {"line\nnext\ttab\r",
       R"({"level":"info","msg":"line\nnext\ttab\r","time":"2023-11-14T22:13:20.123456Z"})"},
      {std::string("\x01\x1f", 2),
       R"({"level":"info","msg":"\u0001\u001f","time":"2023-11-14T22:13:20.123456Z"})"},
      {"caf\xc3\xa9",
       "{\"level\":\"info\",\"msg\":\"caf\xc3\xa9\",\"time\":\"2023-11-14T22:13:20.123456Z\"}"},
  };
  for (const auto& [msg, want] : cases) EXPECT_EQ(FormatJsonLogLine(LogLevel::kInfo, msg, t), want);
  EXPECT_THAT(FormatJsonLogLine(LogLevel::kError, "x", t), HasSubstr(R"("level":"error")"));
}

// Runs `body` with stderr redirected to a file; returns what was written.
template <typename F>
std::string CaptureStderr(F body) {
  char path[] = "/tmp/reclaim-log-test-XXXXXX";
  const int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  std::fflush(stderr);
  const int saved = ::dup(2);
  ::dup2(fd, 2);
  body();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  ::close(fd);
  std::string out = *PosixFs().ReadFile(path);
  ::unlink(path);
  return out;
}

TEST(LoggingTest, InitLoggingJsonWritesFilteredLinesToStderr) {
  ASSERT_TRUE(InitLogging("info", true).ok());
  EXPECT_EQ(spdlog::get_level(), spdlog::level::info);
  const std::string out = CaptureStderr([] {
    spdlog::debug("hidden");
    spdlog::info("pruned {} images, said \"ok\"", 3);
    spdlog::warn("careful");
  });
  EXPECT_THAT(out, Not(HasSubstr("hidden")));
  EXPECT_THAT(
      out,
      MatchesRegex(R"(\{"level":"info","msg":"pruned 3 images, said \\"ok\\"","time":"[0-9T:.-]+Z"\}
\{"level":"warning","msg":"careful","time":"[0-9T:.-]+Z"\}
)"));
}

TEST(LoggingTest, InitLoggingText) {
  ASSERT_TRUE(InitLogging("debug", false).ok());
  EXPECT_EQ(spdlog::get_level(), spdlog::level::debug);
  const std::string out = CaptureStderr([] {
    spdlog::trace("hidden");
    spdlog::debug("visible {}", 1);
  });
  EXPECT_THAT(out, Not(HasSubstr("hidden")));
  EXPECT_THAT(out, HasSubstr("debug"));
  EXPECT_THAT(out, HasSubstr("visible 1\n"));
}

TEST(LoggingTest, InitLoggingBadLevelChangesNothing) {
  ASSERT_TRUE(InitLogging("error", true).ok());
  const absl::Status s = InitLogging("loud", false);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("invalid log level \"loud\""));
  EXPECT_EQ(spdlog::get_level(), spdlog::level::err);
}

}  // namespace
}  // namespace reclaim
