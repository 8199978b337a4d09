#include "session/ArchiveJson.h"

#include <charconv>

namespace parley::session {

using core::Json;

Json ArchiveJson::projectId(const std::string& apiKey) {
  long long n = 0;
  const char* end = apiKey.data() + apiKey.size();
  auto [ptr, ec] = std::from_chars(apiKey.data(), end, n);
  if (!apiKey.empty() && ec == std::errc() && ptr == end && apiKey.front() != '-' &&
      apiKey.front() != '0')
    return Json(n);
  return Json(apiKey);
}

Json ArchiveJson::render(const store::ArchiveRecord& a, const std::optional<std::string>& url) {
  Json streams = Json::parse(a.streamsJson).value_or(Json::array());
  if (!streams.isArray()) streams = Json::array();
  Json out = Json::object({{"id", a.id},
                           {"status", a.status},
                           {"name", a.name},
                           {"reason", a.reason},
                           {"sessionId", a.sessionId},
                           {"projectId", projectId(a.apiKey)},
                           {"partnerId", projectId(a.apiKey)},
                           {"createdAt", static_cast<long long>(a.createdAtMs)},
                           {"updatedAt", static_cast<long long>(a.updatedAtMs)},
                           {"size", static_cast<long long>(a.sizeBytes)},
                           // Whole seconds, as OpenTok reports them.
                           {"duration", static_cast<long long>((a.durationMs + 500) / 1000)},
                           {"outputMode", a.outputMode},
                           {"streamMode", a.streamMode},
                           {"hasAudio", a.hasAudio},
                           {"hasVideo", a.hasVideo},
                           {"resolution", a.resolution.empty() ? Json() : Json(a.resolution)},
                           {"url", url ? Json(*url) : Json()},
                           {"sha256sum", a.sha256},
                           {"password", ""},
                           {"streams", streams},
                           {"event", "archive"}});
  if (!a.multiArchiveTag.empty()) out.set("multiArchiveTag", a.multiArchiveTag);
  if (a.maxBitrate) out.set("maxBitrate", static_cast<long long>(a.maxBitrate));
  if (a.quantizationParameter)
    out.set("quantizationParameter", static_cast<long long>(a.quantizationParameter));
  return out;
}

Json ArchiveJson::clientView(const store::ArchiveRecord& a) {
  return Json::object({{"id", a.id}, {"name", a.name}, {"status", a.status}});
}

}  // namespace parley::session
