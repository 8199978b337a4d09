#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/Json.h"
#include "load/SignalingClient.h"

namespace parley::load {

// A client of Janus's videoroom plugin over its WebSocket transport (subprotocol
// "janus-protocol"), for the side-by-side benchmark (`make bench-compare`). join() creates a
// Janus session and, for a publisher, attaches a videoroom handle and joins the room as a
// publisher; publish() sends `configure` with the offer; subscribe() attaches one handle per
// stream and joins it as a subscriber to that feed (the 1.x multistream API), answering
// Janus's offer with `start`. A stream id is the publisher's feed id in decimal, reported by
// onPublished() once Janus has answered and its PeerConnection is up (`webrtcup`). The session
// is kept alive every 25 s; close() detaches the handles, destroys the session and then
// closes the socket (after Janus's answer, or 2 s).
class JanusClient final : public SignalingClient {
 public:
  // `wsUrl`: ws://host:port of the WebSocket transport. A client that only subscribes
  // (`joinAsPublisher` false) needs no publisher handle: its join() only creates the session.
  JanusClient(boost::asio::io_context& io, std::string wsUrl, std::uint64_t room,
              Listener& listener, bool joinAsPublisher = true);
  ~JanusClient() override;
  JanusClient(const JanusClient&) = delete;
  JanusClient& operator=(const JanusClient&) = delete;

  void join() override;
  void publish() override;
  void subscribe(const std::string& streamId) override;
  void close() override;

  // Message builders and readers, public for the unit tests.
  static core::Json joinPublisherBody(std::uint64_t room);
  static core::Json joinSubscriberBody(std::uint64_t room, std::uint64_t feed);
  static core::Json configureBody();
  static core::Json jsep(const char* type, const std::string& sdp);
  // A feed id from a stream id: digits only, nonzero, below 2^63.
  static std::optional<std::uint64_t> parseFeedId(const std::string& streamId);
  // The plugin's error in an event's plugindata.data ("reason (code)"), if any.
  static std::optional<std::string> pluginError(const core::Json& data);
  // The Janus-level error of an "error" message ("reason (code)").
  static std::string janusError(const core::Json& message);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace parley::load
