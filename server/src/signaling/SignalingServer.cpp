#include "signaling/SignalingServer.h"

#include "core/ClientId.h"
#include "core/Crypto.h"
#include "core/FormData.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"
#include "signaling/RaptorMessage.h"
#include "signaling/RumorSocket.h"

namespace parley::signaling {

namespace {

using obs::Logger;
using Frame = RumorFrame;
using Type = RumorFrame::Type;

constexpr std::size_t kRememberedReplies = 256;

std::string statusFrame(const std::string& connectionId, const std::string& transactionId,
                        const session::Reply& reply) {
  Frame f;
  f.type = static_cast<std::uint8_t>(Type::Status);
  f.addresses.push_back(connectionId);
  f.headers.emplace_back("TRANSACTION-ID", transactionId);
  f.headers.emplace_back("STATUS", std::to_string(reply.status));
  f.headers.emplace_back("X-TB-FROM-ADDRESS", std::string(session::kServerAddress));
  if (!reply.payload.isNull()) f.payload = reply.payload.dump();
  return f.serialize();
}

std::string pongFrame() {
  Frame f;
  f.type = static_cast<std::uint8_t>(Type::Pong);
  return f.serialize();
}

}  // namespace

SignalingServer::SignalingServer(boost::asio::io_context& io, session::SessionManager& sessions, Settings settings)
    : io_(io), sessions_(sessions), settings_(settings), sweepTimer_(io) {
  sessions_.setOutput(this);
  scheduleSweep();
}

SignalingServer::~SignalingServer() {
  shutdown();
  sessions_.setOutput(nullptr);
}

void SignalingServer::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  sweepTimer_.cancel();
  for (const auto& s : sockets_) {
    s->orphan();
    s->close(1001);
  }
  sockets_.clear();
}

std::shared_ptr<http::WebSocketHandler> SignalingServer::accept(const http::HttpRequest& request) {
  if (stopped_ || request.path != kPath) return nullptr;
  std::string socketId, reconnect;
  if (auto form = core::FormData::parse(request.query)) {
    socketId = form->get("socketId").value_or("");
    reconnect = form->get("reconnect").value_or("");
  }
  if (!socketId.empty() && !core::isValidClientId(socketId)) return nullptr;
  auto socket = std::make_shared<RumorSocket>(this, socketId, reconnect == "true", request.remoteAddress);
  sockets_.insert(socket);
  return socket;
}

void SignalingServer::onOpen(const std::shared_ptr<RumorSocket>& socket) {
  obs::Metrics::instance().counter("parley_rumor_sockets_opened_total", "Rumor WebSockets accepted").add();
  if (!socket->reconnect()) return;
  // A reconnection sends no CONNECT: the socketId names the connection (spec §6.7).
  auto it = socketIds_.find(socket->socketId());
  Peer* peer = it == socketIds_.end() ? nullptr : &peers_.at(it->second);
  if (!peer) {
    Logger::info("rumor reconnection for an unknown socket", {{"socketId", socket->socketId()}});
    socket->close(1011);  // tells the client not to retry: its connection is gone
    return;
  }
  Logger::info("rumor socket reconnected", {{"connectionId", peer->connectionId}});
  bind(*peer, socket);
  // Everything not acknowledged is sent again with the same transaction ids; the client
  // drops what it already had.
  for (const auto& [txid, bytes] : peer->unacked) socket->sendFrame(bytes);
}

void SignalingServer::bind(Peer& peer, const std::shared_ptr<RumorSocket>& socket) {
  if (peer.socket && peer.socket != socket) {
    // The newest socket wins (spec §1.3); the old one no longer speaks for the connection.
    peer.socket->connectionId.clear();
    peer.socket->close(1000);
  }
  peer.socket = socket;
  socket->connectionId = peer.connectionId;
  if (!socket->socketId().empty() && socket->socketId() != peer.socketId) {
    if (!peer.socketId.empty()) socketIds_.erase(peer.socketId);
    peer.socketId = socket->socketId();
    socketIds_[peer.socketId] = peer.connectionId;
  }
}

SignalingServer::Peer* SignalingServer::peerOf(const RumorSocket& socket) {
  if (socket.connectionId.empty()) return nullptr;
  auto it = peers_.find(socket.connectionId);
  if (it == peers_.end() || it->second.socket.get() != &socket) return nullptr;
  return &it->second;
}

void SignalingServer::erasePeer(const std::string& connectionId) {
  auto it = peers_.find(connectionId);
  if (it == peers_.end()) return;
  if (!it->second.socketId.empty()) socketIds_.erase(it->second.socketId);
  if (it->second.socket) it->second.socket->connectionId.clear();
  peers_.erase(it);
}

void SignalingServer::onFrame(const std::shared_ptr<RumorSocket>& socket, RumorFrame frame) {
  switch (frame.type) {
    case static_cast<std::uint8_t>(Type::Ping):
      socket->sendFrame(pongFrame());
      return;
    case static_cast<std::uint8_t>(Type::Connect):
      onConnectFrame(socket, frame);
      return;
    case static_cast<std::uint8_t>(Type::Message):
      onMessageFrame(socket, frame);
      return;
    case static_cast<std::uint8_t>(Type::Status): {
      // An acknowledgement of one of our messages (no STATUS header): delivered.
      if (frame.header("STATUS")) return;
      Peer* peer = peerOf(*socket);
      auto txid = frame.header("TRANSACTION-ID");
      if (!peer || !txid) return;
      std::erase_if(peer->unacked, [&](const auto& entry) { return entry.first == *txid; });
      return;
    }
    case static_cast<std::uint8_t>(Type::Disconnect):
      onDisconnectFrame(socket, frame);
      return;
    case static_cast<std::uint8_t>(Type::Subscribe):
    case static_cast<std::uint8_t>(Type::Unsubscribe):
      // Topic membership follows from the session connection; nothing to do.
      return;
    default:
      Logger::debug("rumor: frame type ignored", {{"type", static_cast<int>(frame.type)}});
  }
}

void SignalingServer::onConnectFrame(const std::shared_ptr<RumorSocket>& socket, const RumorFrame& frame) {
  auto uniqueId = frame.header("uniqueId");
  if (!uniqueId || !core::isValidClientId(*uniqueId)) {
    Logger::info("rumor: CONNECT without a valid uniqueId", {{"remote", socket->remote()}});
    socket->close(1008);
    return;
  }
  std::string id(*uniqueId);
  if (!socket->connectionId.empty() && socket->connectionId != id) {
    if (Peer* old = peerOf(*socket); old && !old->joined) erasePeer(old->connectionId);
  }
  auto [it, inserted] = peers_.try_emplace(id);
  Peer& peer = it->second;
  if (inserted) peer.connectionId = id;
  bind(peer, socket);
}

void SignalingServer::onDisconnectFrame(const std::shared_ptr<RumorSocket>& socket, const RumorFrame& frame) {
  auto reconnect = frame.header("reconnect");
  if (reconnect && !reconnect->empty()) return;  // leaving this socket for a new one
  Peer* peer = peerOf(*socket);
  if (!peer) return;
  std::string id = peer->connectionId;
  bool joined = peer->joined;
  erasePeer(id);
  if (joined) sessions_.disconnect(id, "clientDisconnected");
}

void SignalingServer::onMessageFrame(const std::shared_ptr<RumorSocket>& socket, const RumorFrame& frame) {
  std::string txid(frame.header("TRANSACTION-ID").value_or(""));
  Peer* peer = peerOf(*socket);
  if (!peer) {
    reply(nullptr, socket, txid, session::Reply::error(400, "notConnected"));
    return;
  }
  // A message re-sent after a reconnection is answered again, not executed again.
  if (!txid.empty()) {
    for (const auto& [id, bytes] : peer->replies) {
      if (id == txid) {
        socket->sendFrame(bytes);
        return;
      }
    }
  }
  std::string error;
  auto message = RaptorMessage::parse(frame.payload, &error);
  if (!message) {
    Logger::info("rumor: malformed raptor message", {{"connectionId", peer->connectionId}, {"error", error}});
    reply(peer, socket, txid, session::Reply::error(400, "malformedMessage"));
    return;
  }
  session::InboundRequest request;
  request.method = std::move(message->method);
  request.uri = std::move(message->uri);
  request.resource = std::move(message->resource);
  request.params = std::move(message->params);
  request.content = std::move(message->content);

  std::string connectionId = peer->connectionId;
  session::Reply result;
  if (request.resource == "connection" && request.method == "create") {
    if (request.param("connection") != connectionId) {
      result = session::Reply::error(400, "invalidConnectionId");
    } else {
      result = sessions_.connect(connectionId, frame.header("X-TB-TOKEN-AUTH").value_or(""), request);
      if (result.status == 200) {
        if (Peer* p = peerOf(*socket)) p->joined = true;
      }
    }
  } else if (!peer->joined) {
    result = session::Reply::error(403, "notConnected");
  } else {
    result = sessions_.handle(connectionId, request);
  }
  obs::Metrics::instance().counter("parley_raptor_requests_total", "Raptor requests handled").add();
  if (result.status >= 400)
    obs::Metrics::instance().counter("parley_raptor_errors_total", "Raptor requests refused").add();
  // The session may have removed this connection (a leave or a self-delete).
  reply(peerOf(*socket), socket, txid, result);
  sessions_.sendDeferred();
}

void SignalingServer::reply(Peer* peer, const std::shared_ptr<RumorSocket>& socket, const std::string& transactionId,
                            const session::Reply& result) {
  if (transactionId.empty()) return;  // nothing the client could match it to
  std::string bytes = statusFrame(socket->connectionId, transactionId, result);
  socket->sendFrame(bytes);
  if (peer) {
    peer->replies.emplace_back(transactionId, std::move(bytes));
    if (peer->replies.size() > kRememberedReplies) peer->replies.pop_front();
  }
}

void SignalingServer::send(const std::string& connectionId, const session::OutboundMessage& message) {
  auto it = peers_.find(connectionId);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  RaptorMessage raptor;
  raptor.method = message.method;
  raptor.uri = message.uri;
  raptor.content = message.content;
  raptor.reason = message.reason;
  std::string txid = core::Crypto::uuid4();
  Frame f;
  f.type = static_cast<std::uint8_t>(Type::Message);
  f.addresses.push_back(connectionId);
  f.headers.emplace_back("TRANSACTION-ID", txid);
  f.headers.emplace_back("X-TB-FROM-ADDRESS", message.from);
  f.headers.emplace_back("Content-Type", "application/x-raptor+v2");
  f.payload = raptor.serialize();
  std::string bytes = f.serialize();
  if (peer.socket) peer.socket->sendFrame(bytes);
  peer.unacked.emplace_back(std::move(txid), std::move(bytes));
  if (peer.unacked.size() > settings_.maxUnacked) peer.unacked.pop_front();
}

void SignalingServer::detach(const std::string& connectionId) {
  auto it = peers_.find(connectionId);
  if (it == peers_.end()) return;
  std::shared_ptr<RumorSocket> socket = it->second.socket;
  erasePeer(connectionId);
  if (socket) socket->close(1000);  // after what was queued, e.g. its `connection deleted`
}

void SignalingServer::onClosed(const std::shared_ptr<RumorSocket>& socket) {
  sockets_.erase(socket);
  Peer* peer = peerOf(*socket);
  if (!peer) return;
  peer->socket.reset();
  if (!peer->joined) {
    erasePeer(peer->connectionId);
    return;
  }
  peer->awaySince = std::chrono::steady_clock::now();
  Logger::info("rumor socket lost; waiting for a reconnection", {{"connectionId", peer->connectionId}});
}

void SignalingServer::scheduleSweep() {
  sweepTimer_.expires_after(std::chrono::milliseconds(500));
  sweepTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    sweep();
    scheduleSweep();
  });
}

void SignalingServer::sweep() {
  auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<RumorSocket>> silent;
  for (const auto& s : sockets_)
    if (now - s->lastInbound > settings_.silenceTimeout) silent.push_back(s);
  for (const auto& s : silent) {
    Logger::info("rumor socket silent, closing", {{"connectionId", s->connectionId}, {"remote", s->remote()}});
    s->close(4010);
    // Do not wait for the close handshake of a peer that stopped talking.
    s->onClose();
  }
  std::vector<std::string> expired;
  for (const auto& [id, peer] : peers_)
    if (!peer.socket && peer.joined && now - peer.awaySince > settings_.reconnectGrace) expired.push_back(id);
  for (const auto& id : expired) {
    Logger::info("connection did not come back", {{"connectionId", id}});
    erasePeer(id);
    sessions_.disconnect(id, "networkDisconnected");
  }
}

}  // namespace parley::signaling
