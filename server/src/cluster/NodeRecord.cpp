#include "cluster/NodeRecord.h"

#include <tuple>

#include "core/Json.h"

namespace parley::cluster {

std::string NodeRecord::toJson() const {
  core::Json workers = core::Json::array();
  for (const auto& w : mediaWorkers)
    workers.push(core::Json::object(
        {{"udpPort", w.udpPort}, {"tcpPort", w.tcpPort}, {"transports", w.transports}}));
  return core::Json::object({{"id", id},
                             {"publicUrl", publicUrl},
                             {"rtcIp", rtcIp},
                             {"rtcPort", rtcPort},
                             {"connections", connections},
                             {"sessions", sessions},
                             {"streams", streams},
                             {"draining", draining},
                             {"startedAtMs", startedAtMs},
                             {"heartbeatAtMs", heartbeatAtMs},
                             {"mediaIp", mediaIp},
                             {"mediaFingerprint", mediaFingerprint},
                             {"mediaWorkers", workers}})
      .dump();
}

std::optional<NodeRecord> NodeRecord::fromJson(std::string_view text) {
  auto json = core::Json::parse(text);
  if (!json || !json->isObject()) return std::nullopt;
  NodeRecord r;
  auto id = json->getString("id");
  auto url = json->getString("publicUrl");
  if (!id || id->empty() || !url) return std::nullopt;
  r.id = *id;
  r.publicUrl = *url;
  r.rtcIp = json->getString("rtcIp").value_or("");
  r.rtcPort = static_cast<int>(json->getInt("rtcPort").value_or(0));
  r.connections = json->getInt("connections").value_or(0);
  r.sessions = json->getInt("sessions").value_or(0);
  r.streams = json->getInt("streams").value_or(0);
  r.draining = json->getBool("draining").value_or(false);
  r.startedAtMs = json->getInt("startedAtMs").value_or(0);
  r.heartbeatAtMs = json->getInt("heartbeatAtMs").value_or(0);
  r.mediaIp = json->getString("mediaIp").value_or("");
  r.mediaFingerprint = json->getString("mediaFingerprint").value_or("");
  if (const core::Json* workers = json->find("mediaWorkers"); workers && workers->isArray()) {
    for (const auto& w : workers->items()) {
      if (!w.isObject() || r.mediaWorkers.size() >= kMaxMediaWorkers) return std::nullopt;
      MediaWorker m;
      // Checked before narrowing: 2^32 + 1 is no port 1.
      const auto udp = w.getInt("udpPort").value_or(0);
      const auto tcp = w.getInt("tcpPort").value_or(0);
      m.transports = w.getInt("transports").value_or(0);
      if (udp <= 0 || udp > 65535 || tcp < 0 || tcp > 65535 || m.transports < 0)
        return std::nullopt;
      m.udpPort = static_cast<int>(udp);
      m.tcpPort = static_cast<int>(tcp);
      r.mediaWorkers.push_back(m);
    }
  }
  return r;
}

bool NodeRecord::lessLoadedThan(const NodeRecord& other) const {
  return std::tie(connections, sessions, id) <
         std::tie(other.connections, other.sessions, other.id);
}

}  // namespace parley::cluster
