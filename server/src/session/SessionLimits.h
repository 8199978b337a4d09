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
  // Each connection subscribes to a stream at most once; these bound the rest of what one
  // session keeps in memory and fans out.
  std::size_t maxSubscribersPerSession = 5000;
  std::size_t maxStreamPropertiesBytes = 2048;  // customProperties and the like, as JSON
  std::size_t maxUserAgent = 512;
  std::size_t maxCapabilities = 16;
};

}  // namespace parley::session
