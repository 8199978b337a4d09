#include "session/RecordingRules.h"

namespace parley::session {

using core::Json;

std::optional<RecordingRules::Refusal> RecordingRules::sessionRefusal(store::Store& store,
                                                                      const std::string& apiKey,
                                                                      const std::string& sessionId,
                                                                      std::string_view participle) {
  auto session = store.findSession(sessionId);
  if (!session || session->apiKey != apiKey)
    return Refusal{RecordingStatus::SessionNotFound, "Session not found"};
  if (session->properties.mediaMode != core::MediaMode::Routed)
    return Refusal{
        RecordingStatus::Conflict,
        "The session is relayed: only routed sessions can be " + std::string(participle)};
  if (session->properties.e2ee)
    return Refusal{
        RecordingStatus::Conflict,
        "The session is end-to-end encrypted: its media cannot be " + std::string(participle)};
  return std::nullopt;
}

bool RecordingRules::tagsClash(const std::string& asked, const std::string& running) {
  return asked.empty() || running.empty() || asked == running;
}

bool RecordingRules::addStream(Json& streams, const std::string& streamId, bool hasAudio,
                               bool hasVideo) {
  for (const auto& s : streams.items())
    if (s.getString("streamId") == streamId) return false;
  streams.push(
      Json::object({{"streamId", streamId}, {"hasAudio", hasAudio}, {"hasVideo", hasVideo}}));
  return true;
}

bool RecordingRules::removeStream(Json& streams, const std::string& streamId) {
  Json kept = Json::array();
  bool found = false;
  for (const auto& s : streams.items()) {
    if (s.getString("streamId") == streamId)
      found = true;
    else
      kept.push(s);
  }
  if (found) streams = std::move(kept);
  return found;
}

}  // namespace parley::session
