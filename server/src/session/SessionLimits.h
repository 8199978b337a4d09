#pragma once

#include <cstddef>

namespace parley::session {

struct SessionLimits {
  std::size_t maxConnectionsPerSession = 100;
  std::size_t maxStreamsPerSession = 50;
  double signalsPerSecond = 20;  // sustained, per connection
  double signalBurst = 50;
  std::size_t maxSignalType = 128;
  std::size_t maxSignalData = 8192;
};

}  // namespace parley::session
