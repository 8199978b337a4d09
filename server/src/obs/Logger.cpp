#include "obs/Logger.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace parley::obs {

namespace {

std::mutex& outputMutex() {
  static std::mutex m;
  return m;
}

std::string_view levelName(Logger::Level level) {
  switch (level) {
    case Logger::Level::Debug:
      return "debug";
    case Logger::Level::Info:
      return "info";
    case Logger::Level::Warn:
      return "warn";
    case Logger::Level::Error:
      return "error";
  }
  return "info";
}

void appendTimestamp(std::string& out) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms));
  out += buf;
}

}  // namespace

std::optional<Logger::Level> Logger::parseLevel(std::string_view name) {
  if (name == "debug") return Level::Debug;
  if (name == "info") return Level::Info;
  if (name == "warn" || name == "warning") return Level::Warn;
  if (name == "error") return Level::Error;
  return std::nullopt;
}

void Logger::log(Level lvl, std::string_view message, Fields fields) {
  if (!enabled(lvl)) return;
  std::string line;
  line.reserve(128);
  line += "{\"ts\":\"";
  appendTimestamp(line);
  line += "\",\"level\":\"";
  line += levelName(lvl);
  line += "\",\"msg\":";
  core::Json::appendQuoted(line, message);
  for (const auto& [key, value] : fields) {
    line += ',';
    core::Json::appendQuoted(line, key);
    line += ':';
    value.dumpTo(line);
  }
  line += "}\n";
  std::lock_guard lock(outputMutex());
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace parley::obs
