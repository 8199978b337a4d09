#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::cluster {

// What a node says about itself in Redis with every heartbeat.
struct NodeRecord {
  std::string id;
  std::string publicUrl;  // where clients and REST reach it, e.g. https://media-1.example.com
  std::string rtcIp;
  int rtcPort = 0;
  std::int64_t connections = 0;  // signaling connections held
  std::int64_t sessions = 0;     // live sessions held
  std::int64_t streams = 0;
  bool draining = false;  // takes no new sessions
  std::int64_t startedAtMs = 0;
  std::int64_t heartbeatAtMs = 0;
  // Its media workers, for transports another node places here (cascading).
  struct MediaWorker {
    int udpPort = 0;
    int tcpPort = 0;
    std::int64_t transports = 0;
  };
  std::string mediaIp;
  std::string mediaFingerprint;  // its DTLS certificate
  std::vector<MediaWorker> mediaWorkers;
  static constexpr std::size_t kMaxMediaWorkers = 256;

  std::string toJson() const;
  // nullopt for text that is not a node record (another program's key, say).
  static std::optional<NodeRecord> fromJson(std::string_view text);
  // The placement order: fewer connections first, then fewer sessions, then the id.
  bool lessLoadedThan(const NodeRecord& other) const;
};

}  // namespace parley::cluster
