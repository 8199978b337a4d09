#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "session/SessionManager.h"

namespace parley::session {

// Clients without an OpenTok SDK (docs/protocol.md §10): WHIP publishers (RFC 9725; OBS,
// GStreamer, a plain browser page) and WHEP viewers (a player that watches one stream). Each
// becomes an ordinary connection of the session, driven through the same Raptor requests a
// client sends (connect; stream create and offer, or subscriber create and offer), so tokens,
// roles, limits and the SFU apply unchanged and the session's other clients see a connection
// (and a WHIP publisher's stream) as from any client. What the session says to it comes back
// through SessionManager's local-client hook. Control thread only.
class WhipWhepClients {
 public:
  struct Settings {
    std::size_t maxResources = 100;  // WHIP publishers and WHEP viewers on this server at once
    std::size_t maxPerSession = 20;  // ... and in one session
    // A resource whose media never came up within this long is removed with its connection.
    std::int64_t startTimeoutMs = 30000;
  };
  using NowMs = std::function<std::int64_t()>;

  struct Outcome {
    int status = 201;     // HTTP status for the client
    std::string message;  // why, when not 201
    std::string resourceId;
    std::string answerSdp;
  };

  WhipWhepClients(SessionManager& sessions, Settings settings, NowMs now = {});
  ~WhipWhepClients();

  // WHIP: an SDP offer to publish with `token` (an OpenTok client token for `sessionId` of
  // project `apiKey`, already verified by the caller); `name` becomes the stream's name.
  Outcome publish(const std::string& apiKey, const std::string& sessionId, std::string_view token,
                  std::string_view offerSdp, std::string_view name);
  // WHEP: an SDP offer (recvonly) to watch `streamId`.
  Outcome view(const std::string& apiKey, const std::string& sessionId, const std::string& streamId,
               std::string_view token, std::string_view offerSdp);
  // DELETE of a resource: only with the token that created it. 200, 403 or 404.
  int remove(const std::string& sessionId, const std::string& resourceId, std::string_view token);
  // Removes resources whose media or connection is gone; call about once a second.
  void tick();
  std::size_t size() const { return resources_.size(); }

 private:
  struct Resource {
    std::string apiKey;
    std::string sessionId;
    std::string connectionId;
    std::string streamId;
    std::string subscriberId;  // WHEP only
    std::string tokenDigest;
    std::int64_t createdMs = 0;
    bool audio = false;  // the offer has audio / video in the wanted direction
    bool video = false;
  };
  // What the session sent the local client: the SFU's peer id and its answer.
  struct Heard {
    std::string peerId;
    std::string answer;
  };

  // Checks the limit and the offer, attaches a local client and connects it; on success
  // `r` is filled in and `heard` will collect its messages.
  std::optional<Outcome> start(Resource& r, const std::string& apiKey, const std::string& sessionId,
                               std::string_view token, std::string_view offerSdp, bool wantSend,
                               const std::shared_ptr<Heard>& heard);
  InboundRequest request(const Resource& r, std::string method, std::string resource,
                         core::Json content) const;
  Outcome refuse(const Resource& r, int status, std::string message);
  Outcome admit(Resource r, std::string answerSdp, std::string_view what);
  void drop(const std::string& resourceId, const std::string& reason);

  SessionManager& sessions_;
  Settings settings_;
  NowMs now_;
  std::map<std::string, Resource, std::less<>> resources_;
};

}  // namespace parley::session
