#pragma once

// Real clips made once per test run by ClipMaker (Debian's ffmpeg) in a temporary directory
// removed at exit: short and small, with a keyframe every 2 s (4 s: two keyframes, so that
// moving to the next one can be tested).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "load/ClipMaker.h"

namespace parley::load::test {

class ClipDir {
 public:
  static const std::string& path() {
    static ClipDir dir;
    return dir.path_;
  }

 private:
  ClipDir() {
    char pattern[] = "/tmp/parley-clips-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    path_ = made ? made : "";
  }
  ~ClipDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string path_;
};

inline ClipSpec shortSpec(ClipCodec codec) {
  ClipSpec spec;
  spec.codec = codec;
  if (codec != ClipCodec::Opus) {
    spec.width = 320;
    spec.height = 240;
  }
  spec.seconds = 4;
  spec.keyframeInterval = 60;
  return spec;
}

// The path of the short clip of `codec`, made on first use; empty (and a test failure) when
// ffmpeg cannot make it.
inline std::string shortClip(ClipCodec codec) {
  std::string error;
  const auto path = ClipMaker::ensure(ClipDir::path(), shortSpec(codec), &error);
  EXPECT_TRUE(path) << error;
  return path.value_or("");
}

inline std::vector<uint8_t> readAll(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

}  // namespace parley::load::test
