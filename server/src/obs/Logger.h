#pragma once

#include <atomic>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include "core/Json.h"

namespace parley::obs {

// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-25T06:40:00.123Z","level":"info","msg":"listening","addr":"127.0.0.1:5080"}
// Thread-safe; not meant for the packet path.
class Logger {
 public:
  enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };
  using Fields = std::initializer_list<std::pair<std::string_view, core::Json>>;

  static void setLevel(Level level) { level_.store(level, std::memory_order_relaxed); }
  static Level level() { return level_.load(std::memory_order_relaxed); }
  static std::optional<Level> parseLevel(std::string_view name);
  static bool enabled(Level level) { return level >= Logger::level(); }

  static void log(Level level, std::string_view message, Fields fields = {});
  static void debug(std::string_view message, Fields fields = {}) {
    log(Level::Debug, message, fields);
  }
  static void info(std::string_view message, Fields fields = {}) {
    log(Level::Info, message, fields);
  }
  static void warn(std::string_view message, Fields fields = {}) {
    log(Level::Warn, message, fields);
  }
  static void error(std::string_view message, Fields fields = {}) {
    log(Level::Error, message, fields);
  }

 private:
  static inline std::atomic<Level> level_{Level::Info};
};

}  // namespace parley::obs
