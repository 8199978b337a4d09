#include "signaling/RumorSocket.h"

#include <optional>

#include "obs/LogLimiter.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"
#include "signaling/SignalingServer.h"

namespace parley::signaling {

using obs::Logger;

namespace {
// What any peer can provoke at will is logged at a bounded rate.
obs::LogLimiter rateLog;
obs::LogLimiter inputLog;
}  // namespace

RumorSocket::RumorSocket(SignalingServer* server, std::string socketId, bool reconnect,
                         std::string remote)
    : server_(server),
      socketId_(std::move(socketId)),
      reconnect_(reconnect),
      remote_(std::move(remote)) {
  openedAt = lastInbound = std::chrono::steady_clock::now();
  tokensUpdated_ = lastInbound;
  tokens_ = server ? server->settings_.frameBurst : 0;
}

void RumorSocket::onOpen(std::shared_ptr<http::WebSocketSink> sink) {
  sink_ = sink;
  lastInbound = std::chrono::steady_clock::now();
  if (server_) server_->onOpen(shared_from_this());
}

void RumorSocket::onMessage(std::string message, bool binary) {
  // Once the server has decided to close a socket, nothing more it says counts.
  if (!server_ || closed_ || closing_) return;
  auto now = std::chrono::steady_clock::now();
  lastInbound = now;
  const auto& settings = server_->settings_;
  tokens_ = std::min(settings.frameBurst,
                     tokens_ + std::chrono::duration<double>(now - tokensUpdated_).count() *
                                   settings.framesPerSecond);
  tokensUpdated_ = now;
  std::string error;
  std::optional<RumorFrame> frame;
  if (binary) frame = RumorFrame::parse(message, settings.frameLimits, &error);
  // A client acknowledges every message it receives (docs/protocol.md §6.5), so in a busy
  // session its acks follow our fan-out, not its own intent: they cost a fraction of a frame,
  // and an acknowledgement is O(1) for the server.
  const bool ack = frame && frame->is(RumorFrame::Type::Status) && !frame->header("STATUS");
  const double cost = ack ? 1.0 / 16 : 1.0;
  if (tokens_ < cost) {
    if (rateLog.allow())
      Logger::warn("rumor socket over its frame rate, closing",
                   {{"remote", remote_}, {"connectionId", connectionId}});
    close(1008);
    return;
  }
  tokens_ -= cost;
  if (!binary) {
    if (inputLog.allow()) Logger::info("rumor: text message ignored", {{"remote", remote_}});
    return;
  }
  if (!frame) {
    obs::Metrics::instance()
        .counter("parley_rumor_bad_frames_total", "Rumor frames that failed to parse")
        .add();
    if (inputLog.allow())
      Logger::info("rumor: malformed frame",
                   {{"remote", remote_}, {"connectionId", connectionId}, {"error", error}});
    return;
  }
  server_->onFrame(shared_from_this(), std::move(*frame));
}

void RumorSocket::onClose() {
  if (closed_) return;
  closed_ = true;
  if (server_) server_->onClosed(shared_from_this());
}

void RumorSocket::sendFrame(std::string_view bytes) {
  if (auto sink = sink_.lock()) sink->sendBinary(bytes);
}

void RumorSocket::close(std::uint16_t code) {
  closing_ = true;
  if (auto sink = sink_.lock()) sink->close(code);
}

}  // namespace parley::signaling
