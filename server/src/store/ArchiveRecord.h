#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parley::store {

// An archive as kept between restarts (docs/protocol.md §3.4.2). Options are stored as
// the REST API names them; `streamsJson` and `layoutJson` hold JSON text.
struct ArchiveRecord {
  std::string id;
  std::string apiKey;
  std::string sessionId;
  std::string name;
  std::string status = "started";  // started, stopped, available, failed
  std::string reason;
  std::string outputMode = "composed";  // composed, individual
  std::string streamMode = "auto";      // auto, manual
  bool hasAudio = true;
  bool hasVideo = true;
  std::string resolution;  // composed only
  std::string layoutJson;  // composed only: {"type":…}
  std::string multiArchiveTag;
  std::int64_t maxBitrate = 0;             // 0: not set
  std::int64_t quantizationParameter = 0;  // 0: not set
  std::int64_t createdAtMs = 0;
  std::int64_t updatedAtMs = 0;
  std::int64_t sizeBytes = 0;
  std::int64_t durationMs = 0;
  std::string sha256;
  std::string streamsJson = "[]";
  // The node that records it and holds its file (PostgreSQL, several nodes); read-only here:
  // a store writes its own node id. Empty on SQLite.
  std::string nodeId;
};

// One page of a project's archives, newest first, and how many there are in all.
struct ArchivePage {
  std::size_t total = 0;
  std::vector<ArchiveRecord> items;
};

}  // namespace parley::store
