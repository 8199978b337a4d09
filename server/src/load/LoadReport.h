#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/Json.h"

namespace parley::load {

class LatencyHistogram;

// Summary of many values: how the subscribers (or packets, or joins) were spread.
struct Distribution {
  std::uint64_t count = 0;
  double min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;

  // From a histogram, each value multiplied by `scale` (0.001 turns µs into ms).
  static Distribution of(const LatencyHistogram& h, double scale);
  // Exact, from the values themselves (one per subscriber: a few thousand at most).
  // Percentiles are nearest-rank, like LatencyHistogram's.
  static Distribution ofValues(std::vector<double> values);
};

// The result of one `parley load` run and its two renderings. The runner fills it; the
// derived figures (overall loss, server RSS per subscriber and CPU per packet) are
// computed from the others by derive(). Rates are over the measurement period, which
// excludes the ramp-up.
//
// json() writes one object with these camelCase keys (a missing measurement is null; a
// Distribution is {"count", "min", "p50", "p90", "p99", "max", "mean"}, its figures null
// when count is 0):
//   config       url, publishers, subscribersPerPublisher, totalSubscribers, videoCodec,
//                simulcast, audio, pacing (video pacing rate / clip bitrate, 0: none),
//                durationSeconds
//   join         connectionsJoined, connectionsFailed, subscribersConnected,
//                subscribersFailed, joinMs (Distribution: connect to joined),
//                firstKeyframeMs (Distribution: subscribe to first keyframe), errors (the
//                first few error messages)
//   media        perSubscriber: {bitrateKbps, packetRate (packets/s), lossPercent,
//                jitterMs} (Distributions over the subscribers), packetsReceived,
//                videoPacketsReceived, packetsExpected, packetsLost, lossPercent (of all
//                packets expected)
//   latency      endToEndMs (Distribution over packets: publisher's abs-capture-time to the
//                subscriber's arrival, one clock), packets (how many carried the
//                extension), negativePackets (arrived "before" they were sent)
//   publisher    packetsSent, bitrateKbps (all publishers), keyframesSent, plisReceived,
//                nacksReceived (all counted within the window), sendLateMs (Distribution
//                over sends: how long after falling due each left the tool)
//   server       pid, cpuPercent (of one core), cpuSeconds, rssStartBytes, rssEndBytes,
//                rssPeakBytes, rssPerSubscriberBytes ((end - start) / subscribers),
//                cpuUsPerVideoPacket (server CPU µs per video packet the subscribers
//                received, the forwarding cost)
//   loadTool     cpuPercent (this process, of one core)
struct LoadReport {
  // Configuration echo.
  std::string url;
  int publishers = 0;
  int subscribersPerPublisher = 0;
  int totalSubscribers = 0;
  std::string videoCodec;
  bool simulcast = false;
  bool audio = false;
  double pacing = 0;
  double durationSeconds = 0;

  // Joining.
  std::uint64_t connectionsJoined = 0;
  std::uint64_t connectionsFailed = 0;
  std::uint64_t subscribersConnected = 0;
  std::uint64_t subscribersFailed = 0;
  Distribution joinMs;
  Distribution firstKeyframeMs;
  std::vector<std::string> errors;  // the first few; see addError
  static constexpr std::size_t kMaxErrors = 5;

  // Media, per subscriber and in total.
  Distribution bitrateKbps;
  Distribution packetRate;
  Distribution lossPercent;
  Distribution jitterMs;
  std::uint64_t packetsReceived = 0;
  std::uint64_t videoPacketsReceived = 0;
  std::uint64_t packetsExpected = 0;
  std::uint64_t packetsLost = 0;

  // End-to-end latency.
  Distribution latencyMs;
  std::uint64_t latencyPackets = 0;
  std::uint64_t latencyNegativePackets = 0;

  // Publishers.
  std::uint64_t packetsSent = 0;
  double publisherBitrateKbps = 0;
  std::uint64_t keyframesSent = 0;
  std::uint64_t plisReceived = 0;
  std::uint64_t nacksReceived = 0;
  // How late each send left after it fell due (a frame's capture, a paced packet's turn):
  // large when the tool's own thread is behind, and then the server gets bursts.
  Distribution sendLateMs;

  // The server, when it runs on this machine and its pid is known.
  std::optional<int> serverPid;
  std::optional<double> serverCpuPercent;
  std::optional<double> serverCpuSeconds;  // during the measurement period
  std::optional<std::uint64_t> serverRssStartBytes;
  std::optional<std::uint64_t> serverRssEndBytes;
  std::optional<std::uint64_t> serverRssPeakBytes;
  std::optional<double> serverRssPerSubscriberBytes;  // derived
  std::optional<double> serverCpuUsPerVideoPacket;    // derived

  // The load tool itself: if it is near 100 %, the tool, not the server, is the limit.
  std::optional<double> loadCpuPercent;

  // Keeps the first kMaxErrors messages (later ones would repeat the first).
  void addError(std::string message);
  // Lost / expected of all packets in percent; 0 when none were expected.
  double totalLossPercent() const;
  // Fills the derived server figures when their inputs are known.
  void derive();

  std::string table() const;
  core::Json toJson() const;
  std::string json() const { return toJson().dump(); }
};

}  // namespace parley::load
