#pragma once

#include <string>

extern "C" {
#include <libavutil/error.h>
}

namespace parley::record {

// "what: FFmpeg's text for `code`", for the errors record/ reports.
inline std::string ffmpegError(const char* what, int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof text);
  return std::string(what) + ": " + text;
}

}  // namespace parley::record
