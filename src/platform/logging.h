// File: platform/logging.h
//
// Process logging setup. reclaim logs through spdlog's default logger
// (`spdlog::info(...)`, `spdlog::debug(...)`) to stderr, as plain text or as one
// JSON object per line:
//
//   RECLAIM_RETURN_IF_ERROR(InitLogging(flags.log_level, flags.log_json));
//   spdlog::info("pruned {} images", n);
//   // {"level":"info","msg":"pruned 3 images","time":"2026-01-02T03:04:05.000006Z"}
//
// Level names are case-insensitive: trace, debug, info, warn (or warning),
// error, fatal (or critical), off.
//
// Thread-safety: InitLogging should be called once, early in main, before
// other threads log (it may be called again, e.g. by tests). Logging itself is
// thread-safe. The other functions are pure.
#ifndef RECLAIM_PLATFORM_LOGGING_H_
#define RECLAIM_PLATFORM_LOGGING_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace reclaim {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kFatal, kOff };

// InvalidArgument `invalid log level "<name>": want one of trace, debug, info,
// warn, error, fatal, off` for an unknown name.
[[nodiscard]] absl::StatusOr<LogLevel> ParseLogLevel(std::string_view name);

// The name used in log lines: "trace", "debug", "info", "warning", "error",
// "fatal", "off" (logrus's spelling, as dockerd prints).
std::string_view LogLevelName(LogLevel level);

// One JSON log line without the trailing newline:
// {"level":"<name>","msg":"<escaped message>","time":"<UTC RFC 3339, microseconds>"}
std::string FormatJsonLogLine(LogLevel level, std::string_view message, absl::Time time);

// Sets spdlog's default logger to write to stderr at `level`, in JSON when
// `json` is true. On error nothing changes.
[[nodiscard]] absl::Status InitLogging(std::string_view level, bool json);

}  // namespace reclaim

#endif  // RECLAIM_PLATFORM_LOGGING_H_
