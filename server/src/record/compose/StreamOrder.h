#pragma once

#include <vector>

#include "record/compose/StreamInfo.h"

namespace parley::record::compose {

// OpenTok's stream prioritization for composed output (docs/media.md, "Composed archives"):
// streams with a layout class come before those without; within the first group screen
// shares, then other streams of a client sharing its screen, then the rest; within the second
// group the same, with streams of clients that also publish a classed stream before the rest.
// Ties go by the time the stream joined.
class StreamOrder {
 public:
  static std::vector<StreamInfo> prioritize(std::vector<StreamInfo> streams);
};

}  // namespace parley::record::compose
