#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parley::record::compose {

// What the layout of a composition knows of one stream.
struct StreamInfo {
  std::string id;
  std::string connectionId;
  bool screen = false;               // videoType "screen"
  std::vector<std::string> classes;  // layoutClassList
  std::uint64_t addedOrder = 0;      // when it joined the composition: earlier is smaller
  int width = 0;                     // of its latest picture, 0 before the first
  int height = 0;
};

}  // namespace parley::record::compose
