#include "platform/logging.h"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

namespace reclaim {
namespace {

struct LevelName {
  std::string_view name;
  LogLevel level;
};

constexpr LevelName kLevelNames[] = {
    {"trace", LogLevel::kTrace}, {"debug", LogLevel::kDebug},    {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},   {"warning", LogLevel::kWarn},   {"error", LogLevel::kError},
    {"fatal", LogLevel::kFatal}, {"critical", LogLevel::kFatal}, {"off", LogLevel::kOff},
};

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kFatal:
      return spdlog::level::critical;
    case LogLevel::kOff:
      break;
  }
  return spdlog::level::off;
}

LogLevel FromSpdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return LogLevel::kTrace;
    case spdlog::level::debug:
      return LogLevel::kDebug;
    case spdlog::level::info:
      return LogLevel::kInfo;
    case spdlog::level::warn:
      return LogLevel::kWarn;
    case spdlog::level::err:
      return LogLevel::kError;
    case spdlog::level::critical:
      return LogLevel::kFatal;
    default:
      break;
  }
  return LogLevel::kOff;
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string line = FormatJsonLogLine(
        FromSpdlog(msg.level), std::string_view(msg.payload.data(), msg.payload.size()),
        absl::FromChrono(msg.time));
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const LevelName& entry : kLevelNames) {
    if (entry.name == lower) return entry.level;
  }
  return absl::InvalidArgumentError("invalid log level \"" + std::string(name) +
                                    "\": want one of trace, debug, info, warn, error, fatal, off");
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warning";
    case LogLevel::kError:
      return "error";
    case LogLevel::kFatal:
      return "fatal";
    case LogLevel::kOff:
      break;
  }
  return "off";
}

std::string FormatJsonLogLine(LogLevel level, std::string_view message, absl::Time time) {
  std::string out = "{\"level\":\"";
  out += LogLevelName(level);
  out += "\",\"msg\":";
  AppendJsonString(out, message);
  out += ",\"time\":\"";
  out += absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
  out += "\"}";
  return out;
}

absl::Status InitLogging(std::string_view level, bool json) {
  absl::StatusOr<LogLevel> parsed = ParseLogLevel(level);
  if (!parsed.ok()) return parsed.status();
  try {
    std::shared_ptr<spdlog::sinks::sink> sink;
    if (json) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
      sink->set_formatter(std::make_unique<JsonFormatter>());
    } else {
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
      sink->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z %^%l%$ %v");
    }
    auto logger = std::make_shared<spdlog::logger>("reclaim", std::move(sink));
    logger->set_level(ToSpdlog(*parsed));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
  } catch (const std::exception& e) {
    return absl::InternalError(std::string("logging setup: ") + e.what());
  }
  return absl::OkStatus();
}

}  // namespace reclaim
