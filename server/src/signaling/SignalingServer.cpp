#include "signaling/SignalingServer.h"

#include "core/ClientId.h"
#include "core/FormData.h"
#include "core/TimerGrid.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"
#include "signaling/RaptorMessage.h"
#include "signaling/RumorSocket.h"

namespace parley::signaling {

namespace {

using obs::Logger;
using Frame = RumorFrame;
using Type = RumorFrame::Type;

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

std::string raptorPayload(const session::OutboundMessage& message) {
  // Written member by member: the content may be large and is shared by every recipient.
  std::string out = "{\"method\":";
  core::Json::appendQuoted(out, message.method);
  out += ",\"uri\":";
  core::Json::appendQuoted(out, message.uri);
  out += ",\"content\":";
  message.content.dumpTo(out);
  if (message.reason) {
    out += ",\"reason\":";
    core::Json::appendQuoted(out, *message.reason);
  }
  out += '}';
  return out;
}

}  // namespace

SignalingServer::SignalingServer(boost::asio::io_context& io, session::SessionManager& sessions,
                                 Settings settings)
    : io_(io), sessions_(sessions), settings_(settings), sweepTimer_(io) {
  sessions_.setOutput(this);
  scheduleSweep();
}

SignalingServer::~SignalingServer() {
  try {
    shutdown();
  } catch (const std::exception& e) {  // a destructor must not throw; the process is stopping
    Logger::error("signaling shutdown failed", {{"error", e.what()}});
  }
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
  auto socket =
      std::make_shared<RumorSocket>(this, socketId, reconnect == "true", request.remoteAddress);
  sockets_.insert(socket);
  return socket;
}

void SignalingServer::refuse(const RumorSocket& socket, std::string_view what,
                             const std::string& connectionId) {
  obs::Metrics::instance()
      .counter("parley_rumor_identity_refusals_total",
               "Sockets refused for a connection they do not own")
      .add();
  std::uint64_t suppressed = 0;
  if (refusalLog_.allow(&suppressed))
    Logger::warn(what, {{"connectionId", connectionId},
                        {"remote", socket.remote()},
                        {"suppressed", static_cast<long long>(suppressed)}});
}

void SignalingServer::onOpen(const std::shared_ptr<RumorSocket>& socket) {
  obs::Metrics::instance()
      .counter("parley_rumor_sockets_opened_total", "Rumor WebSockets accepted")
      .add();
  if (!socket->reconnect()) return;
  // A reconnection sends no CONNECT: the secret socketId names the connection (§6.7).
  auto it = socket->socketId().empty() ? socketIds_.end() : socketIds_.find(socket->socketId());
  Peer* peer = it == socketIds_.end() ? nullptr : &peers_.at(it->second);
  if (!peer) {
    refuse(*socket, "rumor reconnection for an unknown socket", "");
    socket->close(1011);  // tells the client not to retry: its connection is gone
    return;
  }
  Logger::info("rumor socket reconnected",
               {{"connectionId", peer->connectionId}, {"remote", socket->remote()}});
  bind(*peer, socket);
  // Everything not acknowledged is sent again with the same transaction ids; the client
  // drops what it already had.
  peer->unacked.forEach([&](std::uint64_t sequence, const UnackedMessages::Message& message) {
    socket->sendFrame(messageFrame(peer->connectionId, transactionIds_.text(sequence), message));
  });
}

void SignalingServer::bind(Peer& peer, const std::shared_ptr<RumorSocket>& socket) {
  socket->claimedId.clear();
  if (peer.socket && peer.socket != socket) {
    // The newest socket wins (§1.3) once it has proven it speaks for the connection; the
    // old one no longer does.
    peer.socket->connectionId.clear();
    peer.socket->joined = false;
    peer.socket->close(1000);
  }
  peer.socket = socket;
  socket->connectionId = peer.connectionId;
  socket->joined = peer.joined;
  // The reconnect credential is the socketId of the socket that holds the connection now:
  // a credential of a socket that lost the connection must not bring it back.
  if (socket->socketId() != peer.socketId) {
    if (!peer.socketId.empty()) socketIds_.erase(peer.socketId);
    peer.socketId = socket->socketId();
    if (!peer.socketId.empty()) socketIds_[peer.socketId] = peer.connectionId;
  }
}

bool SignalingServer::socketIdTakenByOther(const RumorSocket& socket,
                                           const std::string& connectionId) const {
  if (socket.socketId().empty()) return false;
  auto it = socketIds_.find(socket.socketId());
  return it != socketIds_.end() && it->second != connectionId;
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
  if (it->second.socket) {
    it->second.socket->connectionId.clear();
    it->second.socket->joined = false;
  }
  away_.erase(connectionId);
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
      // An acknowledgement of one of our messages (no STATUS header): delivered. Only the
      // socket that carries the connection can acknowledge for it.
      if (frame.header("STATUS")) return;
      Peer* peer = peerOf(*socket);
      auto txid = frame.header("TRANSACTION-ID");
      if (!peer || !txid) return;
      if (auto sequence = transactionIds_.sequenceOf(*txid)) peer->unacked.ack(*sequence);
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

void SignalingServer::onConnectFrame(const std::shared_ptr<RumorSocket>& socket,
                                     const RumorFrame& frame) {
  auto uniqueId = frame.header("uniqueId");
  if (!uniqueId || !core::isValidClientId(*uniqueId)) {
    Logger::info("rumor: CONNECT without a valid uniqueId", {{"remote", socket->remote()}});
    socket->close(1008);
    return;
  }
  std::string id(*uniqueId);
  if (Peer* current = peerOf(*socket)) {
    if (current->connectionId == id) return;  // a repeated CONNECT
    if (current->joined) {
      // One socket carries one connection; a second one needs a socket of its own.
      refuse(*socket, "rumor: CONNECT for a second connection on one socket refused", id);
      return;
    }
    erasePeer(current->connectionId);
  }
  socket->claimedId.clear();
  if (socketIdTakenByOther(*socket, id)) {
    refuse(*socket, "rumor: CONNECT with another connection's socketId refused", id);
    socket->close(1008);
    return;
  }
  auto it = peers_.find(id);
  if (it == peers_.end()) {
    it = peers_.try_emplace(id, id, settings_).first;
    bind(it->second, socket);
    return;
  }
  Peer& peer = it->second;
  if (!peer.socketId.empty() && peer.socketId == socket->socketId()) {
    bind(peer, socket);  // the connection's own credential: a new socket of the same client
    return;
  }
  // Someone else's connection id. It is not bound now; a `connection create` with a token
  // whose claims equal the connection's may still take it over (the client's own connect
  // retry, §7.4). The owner's socket is untouched either way.
  socket->claimedId = id;
  Logger::info("rumor: CONNECT for an existing connection id, waiting for its token",
               {{"connectionId", id}, {"remote", socket->remote()}});
}

void SignalingServer::onDisconnectFrame(const std::shared_ptr<RumorSocket>& socket,
                                        const RumorFrame& frame) {
  auto reconnect = frame.header("reconnect");
  if (reconnect && !reconnect->empty()) return;  // leaving this socket for a new one
  Peer* peer = peerOf(*socket);
  if (!peer) return;
  std::string id = peer->connectionId;
  bool joined = peer->joined;
  erasePeer(id);
  if (joined) sessions_.disconnect(id, "clientDisconnected");
}

session::Reply SignalingServer::claimByToken(const std::shared_ptr<RumorSocket>& socket,
                                             const RumorFrame& frame,
                                             const session::InboundRequest& request) {
  const std::string id = socket->claimedId;
  if (!(request.resource == "connection" && request.method == "create") ||
      request.param("connection") != id) {
    return session::Reply::error(403, "notConnected");
  }
  if (socketIdTakenByOther(*socket, id)) {
    refuse(*socket, "rumor: connection create with another connection's socketId refused", id);
    return session::Reply::error(403, "connectionIdInUse");
  }
  auto [it, inserted] = peers_.try_emplace(id, id, settings_);
  Peer& peer = it->second;
  // Bound tentatively so that the session's answer reaches this socket; undone when the
  // session refuses, so the owner never notices.
  std::shared_ptr<RumorSocket> previous = peer.socket;
  peer.socket = socket;
  socket->connectionId = id;
  session::Reply result =
      sessions_.connect(id, frame.header("X-TB-TOKEN-AUTH").value_or(""), request);
  auto again = peers_.find(id);
  if (again == peers_.end() || again->second.socket != socket) return result;  // gone meanwhile
  if (result.status != 200) {
    socket->connectionId.clear();
    if (inserted) {
      peers_.erase(again);
    } else {
      again->second.socket = previous;
    }
    refuse(*socket, "rumor: connection create for a connection this socket does not own refused",
           id);
    return result;
  }
  again->second.socket = previous;  // so that bind() closes the old socket
  bind(again->second, socket);
  again->second.joined = true;
  socket->joined = true;
  Logger::info("rumor: connection taken over by its own token",
               {{"connectionId", id}, {"remote", socket->remote()}});
  return result;
}

void SignalingServer::onMessageFrame(const std::shared_ptr<RumorSocket>& socket,
                                     const RumorFrame& frame) {
  std::string txid(frame.header("TRANSACTION-ID").value_or(""));
  Peer* peer = peerOf(*socket);
  if (!peer && socket->claimedId.empty()) {
    reply(nullptr, socket, txid, session::Reply::error(400, "notConnected"));
    return;
  }
  // A message re-sent after a reconnection is answered again, not executed again.
  if (peer && !txid.empty()) {
    if (const std::string* bytes = peer->replies.find(txid)) {
      socket->sendFrame(*bytes);
      return;
    }
  }
  std::string error;
  auto message = RaptorMessage::parse(frame.payload, &error);
  if (!message) {
    Logger::info(
        "rumor: malformed raptor message",
        {{"connectionId", socket->connectionId}, {"remote", socket->remote()}, {"error", error}});
    reply(peer, socket, txid, session::Reply::error(400, "malformedMessage"));
    return;
  }
  session::InboundRequest request;
  request.method = std::move(message->method);
  request.uri = std::move(message->uri);
  request.resource = std::move(message->resource);
  request.params = std::move(message->params);
  request.content = std::move(message->content);

  session::Reply result;
  if (!peer) {
    result = claimByToken(socket, frame, request);
  } else if (request.resource == "connection" && request.method == "create") {
    const std::string connectionId = peer->connectionId;
    if (request.param("connection") != connectionId) {
      result = session::Reply::error(400, "invalidConnectionId");
    } else {
      result =
          sessions_.connect(connectionId, frame.header("X-TB-TOKEN-AUTH").value_or(""), request);
      if (result.status == 200) {
        if (Peer* p = peerOf(*socket)) {
          p->joined = true;
          socket->joined = true;
        }
      } else if (result.status == 403) {
        refuse(*socket, "rumor: connection create refused", connectionId);
      }
    }
  } else if (!peer->joined) {
    result = session::Reply::error(403, "notConnected");
  } else {
    result = sessions_.handle(peer->connectionId, request);
  }
  obs::Metrics::instance().counter("parley_raptor_requests_total", "Raptor requests handled").add();
  if (result.status >= 400)
    obs::Metrics::instance().counter("parley_raptor_errors_total", "Raptor requests refused").add();
  // The session may have removed this connection (a leave or a self-delete).
  reply(peerOf(*socket), socket, txid, result);
  sessions_.sendDeferred();
}

void SignalingServer::reply(Peer* peer, const std::shared_ptr<RumorSocket>& socket,
                            const std::string& transactionId, const session::Reply& result) {
  if (transactionId.empty()) return;  // nothing the client could match it to
  std::string bytes = statusFrame(socket->connectionId, transactionId, result);
  socket->sendFrame(bytes);
  if (peer) peer->replies.remember(transactionId, std::move(bytes));
}

std::string SignalingServer::messageFrame(const std::string& connectionId,
                                          const std::string& transactionId,
                                          const UnackedMessages::Message& message) const {
  Frame f;
  f.type = static_cast<std::uint8_t>(Type::Message);
  f.addresses.push_back(connectionId);
  f.headers.emplace_back("TRANSACTION-ID", transactionId);
  f.headers.emplace_back("X-TB-FROM-ADDRESS", message.from);
  f.headers.emplace_back("Content-Type", "application/x-raptor+v2");
  f.payload = message.payload;
  return f.serialize();
}

void SignalingServer::deliver(Peer& peer, const UnackedMessages::SharedMessage& message) {
  auto txid = transactionIds_.next();
  std::string bytes = messageFrame(peer.connectionId, txid.text, *message);
  // The socket's output takes the frame; the unacknowledged buffer shares the message with
  // the fan-out's other recipients and rebuilds the frame if it is ever sent again. A send
  // that finds the reader too slow only schedules its close, so the order is free.
  if (peer.socket) peer.socket->sendFrame(bytes);
  peer.unacked.push(txid.sequence, message, bytes.size());
}

void SignalingServer::send(const std::string& connectionId,
                           const session::OutboundMessage& message) {
  auto it = peers_.find(connectionId);
  if (it == peers_.end()) return;
  deliver(it->second, std::make_shared<const UnackedMessages::Message>(
                          UnackedMessages::Message{message.from, raptorPayload(message)}));
}

void SignalingServer::sendToMany(const std::vector<std::string>& connectionIds,
                                 const session::OutboundMessage& message) {
  const auto shared = std::make_shared<const UnackedMessages::Message>(
      UnackedMessages::Message{message.from, raptorPayload(message)});
  for (const auto& id : connectionIds) {
    auto it = peers_.find(id);
    if (it != peers_.end()) deliver(it->second, shared);
  }
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
  away_.insert(peer->connectionId);
  Logger::info("rumor socket lost; waiting for a reconnection",
               {{"connectionId", peer->connectionId}});
}

void SignalingServer::scheduleSweep() {
  sweepTimer_.expires_at(core::nextOnGrid(std::chrono::steady_clock::now(), kSweepStep));
  sweepTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    sweepStep(std::chrono::steady_clock::now());
    scheduleSweep();
  });
}

void SignalingServer::checkTimeouts(const std::shared_ptr<RumorSocket>& socket,
                                    std::chrono::steady_clock::time_point now,
                                    std::vector<std::shared_ptr<RumorSocket>>& closing) const {
  if (now - socket->lastInbound > settings_.silenceTimeout) {
    closing.push_back(socket);
    return;
  }
  // Whatever it sends (PINGs keep it from going silent), a socket that has not joined a
  // session by now is holding a file descriptor for nothing.
  if (!socket->joined && now - socket->openedAt > settings_.joinTimeout) closing.push_back(socket);
}

void SignalingServer::closeTimedOut(const std::vector<std::shared_ptr<RumorSocket>>& closing,
                                    std::chrono::steady_clock::time_point now) {
  for (const auto& s : closing) {
    const bool silent = now - s->lastInbound > settings_.silenceTimeout;
    Logger::info(
        silent ? "rumor socket silent, closing" : "rumor socket did not join a session, closing",
        {{"connectionId", s->connectionId}, {"remote", s->remote()}});
    s->close(4010);
    // Do not wait for the close handshake of a peer that stopped talking.
    s->onClose();
  }
}

void SignalingServer::expireAway(std::chrono::steady_clock::time_point now) {
  std::vector<std::string> expired;
  for (auto it = away_.begin(); it != away_.end();) {
    auto peer = peers_.find(*it);
    if (peer == peers_.end() || peer->second.socket || !peer->second.joined) {
      it = away_.erase(it);  // gone, or came back
      continue;
    }
    if (now - peer->second.awaySince > settings_.reconnectGrace) expired.push_back(*it);
    ++it;
  }
  for (const auto& id : expired) {
    Logger::info("connection did not come back", {{"connectionId", id}});
    erasePeer(id);
    sessions_.disconnect(id, "networkDisconnected");
  }
}

void SignalingServer::sweep(std::chrono::steady_clock::time_point now) {
  std::vector<std::shared_ptr<RumorSocket>> closing;
  for (const auto& s : sockets_) checkTimeouts(s, now, closing);
  closeTimedOut(closing, now);
  expireAway(now);
}

void SignalingServer::sweepStep(std::chrono::steady_clock::time_point now) {
  std::vector<std::shared_ptr<RumorSocket>> closing;
  if (!sockets_.empty()) {
    std::size_t quota = (sockets_.size() + kSweepSteps - 1) / kSweepSteps;
    // An aliasing pointer that owns nothing: only its address is compared.
    const std::shared_ptr<RumorSocket> cursor(std::shared_ptr<RumorSocket>(), sweepCursor_);
    auto it = sockets_.upper_bound(cursor);
    for (; quota > 0; --quota) {
      if (it == sockets_.end()) it = sockets_.begin();  // quota <= size: no socket twice
      checkTimeouts(*it, now, closing);
      sweepCursor_ = it->get();
      ++it;
    }
  }
  closeTimedOut(closing, now);
  if (++sweepStepsTaken_ % kSweepSteps == 0) expireAway(now);
}

}  // namespace parley::signaling
