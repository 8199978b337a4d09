#include "session/BroadcastJson.h"

#include "record/HlsMuxer.h"
#include "session/ArchiveJson.h"

namespace parley::session {

using core::Json;

std::string BroadcastJson::hlsUrl(const std::string& publicUrl, const std::string& broadcastId) {
  return publicUrl + "/broadcast/" + broadcastId + "/hls/" + record::HlsMuxer::kPlaylistName;
}

Json BroadcastJson::render(const BroadcastManager::Broadcast& b, const std::string& publicUrl) {
  Json urls;  // null once stopped, as OpenTok answers
  if (b.status == "started") {
    Json rtmp = Json::array();
    for (const auto& t : b.rtmp)
      rtmp.push(Json::object({{"id", t.id},
                              {"serverUrl", t.serverUrl},
                              {"streamName", t.streamName},
                              {"status", t.status}}));
    urls = Json::object({{"hls", b.hls ? Json(hlsUrl(publicUrl, b.id)) : Json()}, {"rtmp", rtmp}});
  }
  Json out = Json::object({{"id", b.id},
                           {"sessionId", b.sessionId},
                           {"projectId", ArchiveJson::projectId(b.apiKey)},
                           {"partnerId", ArchiveJson::projectId(b.apiKey)},
                           {"createdAt", static_cast<long long>(b.createdAtMs)},
                           {"updatedAt", static_cast<long long>(b.updatedAtMs)},
                           {"status", b.status},
                           {"maxDuration", static_cast<long long>(b.maxDurationS)},
                           {"resolution", b.resolution},
                           {"streamMode", b.streamMode},
                           {"streams", b.streams},
                           {"hasAudio", b.hasAudio},
                           {"hasVideo", b.hasVideo},
                           {"broadcastUrls", urls},
                           {"event", "broadcast"}});
  if (!b.multiBroadcastTag.empty()) out.set("multiBroadcastTag", b.multiBroadcastTag);
  if (b.maxBitrate) out.set("maxBitrate", static_cast<long long>(*b.maxBitrate));
  if (b.hls)
    out.set("settings",
            Json::object({{"hls", Json::object({{"dvr", b.dvr}, {"lowLatency", b.lowLatency}})}}));
  return out;
}

}  // namespace parley::session
