#pragma once

#include <cstdint>

#include "obs/Metrics.h"

namespace parley::media {

// Process-wide packet-path counters (relaxed atomics, shown at /metrics), one set per worker.
struct MediaCounters {
  obs::Metrics::Counter& rtpReceived;
  obs::Metrics::Counter& rtpForwarded;
  obs::Metrics::Counter& nacksSent;
  obs::Metrics::Counter& nacksReceived;
  obs::Metrics::Counter& retransmissions;
  obs::Metrics::Counter& keyframeRequests;
  obs::Metrics::Counter& datagramsReceived;
  obs::Metrics::Counter& datagramsDropped;
  // What the worker's socket sent, and in how many messages (fewer with UDP GSO).
  obs::Metrics::Counter& datagramsSent;
  obs::Metrics::Counter& messagesSent;
  // Packets that crossed a pipe between nodes: sent here as the origin, taken as a mirror.
  obs::Metrics::Counter& nodePipeSent;
  obs::Metrics::Counter& nodePipeReceived;
  // Forwarded packets counted on the worker's thread and added to rtpForwarded at its
  // tick: a locked add per packet and subscriber was 2-3 % of the fan-out's CPU.
  std::uint64_t rtpForwardedUnreported = 0;

  static MediaCounters forWorker(unsigned index);
};

}  // namespace parley::media
