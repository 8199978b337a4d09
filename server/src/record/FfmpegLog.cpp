#include "record/FfmpegLog.h"

extern "C" {
#include <libavutil/log.h>
}

#include <cstdio>
#include <mutex>
#include <string>

#include "obs/LogLimiter.h"
#include "obs/Logger.h"

namespace parley::record {

namespace {

void forward(void*, int level, const char* format, va_list args) {
  if (level > AV_LOG_WARNING) return;
  static obs::LogLimiter limiter;
  std::uint64_t suppressed = 0;
  if (!limiter.allow(&suppressed)) return;
  char text[512];
  std::vsnprintf(text, sizeof text, format, args);
  std::string message(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  obs::Logger::warn("ffmpeg", {{"message", message},
                               {"level", level <= AV_LOG_ERROR ? "error" : "warning"},
                               {"suppressed", static_cast<long long>(suppressed)}});
}

}  // namespace

void FfmpegLog::install() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(&forward); });
}

}  // namespace parley::record
