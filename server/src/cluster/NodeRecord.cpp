#include "cluster/NodeRecord.h"

#include <tuple>

#include "core/Json.h"

namespace parley::cluster {

std::string NodeRecord::toJson() const {
  return core::Json::object({{"id", id},
                             {"publicUrl", publicUrl},
                             {"rtcIp", rtcIp},
                             {"rtcPort", rtcPort},
                             {"connections", connections},
                             {"sessions", sessions},
                             {"streams", streams},
                             {"draining", draining},
                             {"startedAtMs", startedAtMs},
                             {"heartbeatAtMs", heartbeatAtMs}})
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
  return r;
}

bool NodeRecord::lessLoadedThan(const NodeRecord& other) const {
  return std::tie(connections, sessions, id) <
         std::tie(other.connections, other.sessions, other.id);
}

}  // namespace parley::cluster
