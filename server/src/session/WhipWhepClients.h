#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "session/SessionManager.h"

namespace parley::session {

// WHIP (RFC 9725) publishers: OBS, GStreamer or a plain browser page publishing into a routed
// session without an OpenTok client (docs/protocol.md §10). Each one becomes an ordinary
// connection with one stream, driven through the same Raptor requests a client sends
// (connect, stream create, offer), so tokens, roles, limits and the SFU apply unchanged; the
// session's other clients see a connection and a stream as from any publisher. Its messages
// come back through SessionManager's local-client hook. Control thread only.
class WhipIngest {
 public:
  struct Settings {
    std::size_t maxResources = 100;  // WHIP publishers on this server at once
    // A resource whose stream is gone (the publisher's media stopped, it was force-unpublished)
    // or never came up within this long is removed with its connection.
    std::int64_t startTimeoutMs = 30000;
  };
  using NowMs = std::function<std::int64_t()>;

  struct Outcome {
    int status = 201;     // HTTP status for the WHIP client
    std::string message;  // why, when not 201
    std::string resourceId;
    std::string answerSdp;
  };

  WhipIngest(SessionManager& sessions, Settings settings, NowMs now = {});
  ~WhipIngest();

  // POST of an SDP offer with `token` (an OpenTok client token for `sessionId` of project
  // `apiKey`, already verified by the caller); `name` becomes the stream's name.
  Outcome publish(const std::string& apiKey, const std::string& sessionId, std::string_view token,
                  std::string_view offerSdp, std::string_view name);
  // DELETE of a resource: only with the token that created it. 200, 403 or 404.
  int remove(const std::string& sessionId, const std::string& resourceId, std::string_view token);
  // Removes resources whose stream is gone; call about once a second.
  void tick();
  std::size_t size() const { return resources_.size(); }

 private:
  struct Resource {
    std::string apiKey;
    std::string sessionId;
    std::string connectionId;
    std::string streamId;
    std::string tokenDigest;
    std::int64_t createdMs = 0;
  };
  InboundRequest request(const Resource& r, std::string method, std::string resource,
                         core::Json content) const;
  void drop(const std::string& resourceId, const std::string& reason);

  SessionManager& sessions_;
  Settings settings_;
  NowMs now_;
  std::map<std::string, Resource, std::less<>> resources_;
};

}  // namespace parley::session
