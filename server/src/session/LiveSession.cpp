#include "session/LiveSession.h"

namespace parley::session {

std::string LiveSession::uri() const {
  return "/v2/partner/" + record.apiKey + "/session/" + record.sessionId;
}

std::string LiveSession::connectionUri(std::string_view connectionId) const {
  return uri() + "/connection/" + std::string(connectionId);
}

std::string LiveSession::streamUri(std::string_view streamId) const {
  return uri() + "/stream/" + std::string(streamId);
}

std::string LiveSession::subscriberUri(std::string_view streamId,
                                       std::string_view subscriberId) const {
  return streamUri(streamId) + "/subscriber/" + std::string(subscriberId);
}

const Connection* LiveSession::connection(std::string_view id) const {
  auto it = connections.find(id);
  return it == connections.end() ? nullptr : &it->second;
}

const Stream* LiveSession::stream(std::string_view id) const {
  auto it = streams.find(id);
  return it == streams.end() ? nullptr : &it->second;
}

}  // namespace parley::session
