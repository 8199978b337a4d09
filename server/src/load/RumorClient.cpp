#include "load/RumorClient.h"

#include <chrono>

#include "core/Crypto.h"
#include "core/Json.h"
#include "load/HttpExchange.h"
#include "signaling/RumorFrame.h"

namespace parley::load {

using signaling::RumorFrame;

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  core::Json::appendQuoted(out, s);
  return out;
}

// A stream description as OpenTok.js sends it (docs/protocol.md §7.6.1).
std::string streamDescription(const std::string& id) {
  return R"({"id":)" + quoted(id) +
         R"(,"name":"parley-load","publisherAudioFallbackEnabled":false,)"
         R"("subscriberAudioFallbackEnabled":false,"channel":[)"
         R"({"id":"video1","type":"video","active":true,"width":640,"height":480,)"
         R"("orientation":0,"source":"camera","fitMode":"cover"},)"
         R"({"id":"audio1","type":"audio","active":true},)"
         R"({"id":"caption1","type":"data","active":false}],"e2ee":false,"customProperties":{}})";
}

// A subscriber create body as OpenTok.js sends it (docs/protocol.md §7.9).
std::string subscriberDescription(const std::string& id, const std::string& connectionId) {
  return R"({"id":)" + quoted(id) + R"(,"connection":)" + quoted(connectionId) +
         R"(,"keyManagementMethod":"DTLS_SRTP","bundleSupport":true,"rtcpMuxSupport":true,)"
         R"("e2ee":false,"channel":[{"id":"audio1","type":"audio","active":true},)"
         R"({"id":"video1","type":"video","active":true,"restrictFrameRate":false},)"
         R"({"id":"caption1","type":"data","active":false}]})";
}

constexpr auto kPingEvery = std::chrono::seconds(5);

}  // namespace

RumorClient::RumorClient(boost::asio::io_context& io, Settings settings, Listener& listener)
    : io_(io),
      settings_(std::move(settings)),
      listener_(listener),
      pingTimer_(io),
      alive_(std::make_shared<bool>(true)),
      connectionId_(core::Crypto::uuid4()) {}

RumorClient::~RumorClient() {
  *alive_ = false;
  closed_ = true;
  if (socket_) socket_->detach();
}

std::string RumorClient::sessionUri() const {
  return "/v2/partner/" + settings_.apiKey + "/session/" + settings_.sessionId;
}

void RumorClient::join() {
  std::weak_ptr<bool> alive = alive_;
  HttpExchange::start(io_, "GET",
                      settings_.baseUrl + "/session/" + settings_.sessionId + "?extended_data=true",
                      {{"X-OPENTOK-AUTH", settings_.token}, {"X-TB-CONNECTIONID", connectionId_}},
                      {}, [this, alive](HttpExchange::Reply reply) {
                        auto a = alive.lock();
                        if (!a || !*a) return;
                        if (reply.status == 0) return fail("session info: " + reply.error);
                        onSessionInfo(reply.status, reply.body);
                      });
}

void RumorClient::onSessionInfo(int status, const std::string& body) {
  auto info = core::Json::parse(body);
  if (status != 200 || !info || !info->isArray() || info->size() != 1 || !info->at(0).isObject())
    return fail("session info: HTTP " + std::to_string(status) + " " + body.substr(0, 200));
  const core::Json& element = info->at(0);
  if (element.contains("error")) return fail("session info: " + element.dump().substr(0, 200));
  auto url = element.getString("messaging_url");
  if (!url) return fail("session info without messaging_url");
  if (auto s = element.getString("symphony_address")) symphony_ = *s;
  http::WebSocketClient::Handlers h;
  h.opened = [this] { onSocketOpen(); };
  h.message = [this](std::string_view m, bool binary) {
    if (binary) onFrame(m);
  };
  h.closed = [this](const std::string& reason) {
    if (!closed_) fail("socket: " + reason);
  };
  socket_ = http::WebSocketClient::create(io_, std::move(h));
  socket_->open(*url);
}

void RumorClient::onSocketOpen() {
  RumorFrame connect;
  connect.type = static_cast<uint8_t>(RumorFrame::Type::Connect);
  connect.setHeader("uniqueId", connectionId_);
  connect.setHeader("TRANSACTION-ID", core::Crypto::uuid4());
  connect.setHeader("notifyDisconnectAddress", symphony_);
  socket_->send(connect.serialize(), true);
  RumorFrame subscribe;
  subscribe.type = static_cast<uint8_t>(RumorFrame::Type::Subscribe);
  subscribe.addresses.push_back(sessionUri());
  socket_->send(subscribe.serialize(), true);
  sendRequest("create", sessionUri() + "/connection/" + connectionId_,
              std::string(R"({"userAgent":"parley-load","clientVersion":"js-2.35.2",)"
                          R"("capabilities":["forceMute","renegotiation"])") +
                  (settings_.connectionEvents ? "}" : R"(,"connectionEventsSuppressed":true})"),
              "connect", true);
  keepAlive();
}

void RumorClient::keepAlive() {
  pingTimer_.expires_after(kPingEvery);
  std::weak_ptr<bool> alive = alive_;
  pingTimer_.async_wait([this, alive](const boost::system::error_code& ec) {
    auto a = alive.lock();
    if (ec || !a || !*a || closed_ || !socket_) return;
    RumorFrame ping;
    ping.type = static_cast<uint8_t>(RumorFrame::Type::Ping);
    socket_->send(ping.serialize(), true);
    keepAlive();
  });
}

void RumorClient::sendRequest(const std::string& method, const std::string& uri,
                              const std::string& content, const std::string& purpose,
                              bool withToken) {
  RumorFrame f;
  f.type = static_cast<uint8_t>(RumorFrame::Type::Message);
  f.addresses.push_back(symphony_);
  if (withToken) f.setHeader("X-TB-TOKEN-AUTH", settings_.token);
  f.setHeader("Content-Type", "application/x-raptor+v2");
  std::string txid = core::Crypto::uuid4();
  f.setHeader("TRANSACTION-ID", txid);
  f.setHeader("X-TB-FROM-ADDRESS", connectionId_);
  f.payload = R"({"method":)" + quoted(method) + R"(,"uri":)" + quoted(uri) + R"(,"content":)" +
              content + "}";
  pending_[txid] = purpose;
  socket_->send(f.serialize(), true);
}

void RumorClient::sendJsep(const std::string& method, const std::string& uri,
                           const std::string& sdp, const std::string& peerId,
                           const std::string& sourceStreamId) {
  sendRequest(method, uri,
              R"({"type":)" + quoted(method) + R"(,"sdp":)" + quoted(sdp) + R"(,"peerId":)" +
                  quoted(peerId) + R"(,"sourceStreamId":)" + quoted(sourceStreamId) + "}",
              method);
}

void RumorClient::publish() {
  streamId_ = core::Crypto::uuid4();
  sendRequest("create", sessionUri() + "/stream/" + streamId_, streamDescription(streamId_),
              "publish");
}

void RumorClient::subscribe(const std::string& streamId) {
  std::string subscriberId = core::Crypto::uuid4();
  subscriptions_[subscriberId] = streamId;
  sendRequest("create", sessionUri() + "/stream/" + streamId + "/subscriber/" + subscriberId,
              subscriberDescription(subscriberId, connectionId_), "subscribe");
}

void RumorClient::close() {
  if (closed_) return;
  closed_ = true;
  *alive_ = false;
  pingTimer_.cancel();
  if (socket_) socket_->close();
}

void RumorClient::fail(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  *alive_ = false;
  pingTimer_.cancel();
  if (socket_) socket_->close();
  listener_.onFailed(why);
}

void RumorClient::onFrame(std::string_view bytes) {
  std::string error;
  auto frame = RumorFrame::parse(bytes, RumorFrame::Limits{4 * 1024 * 1024, 255, 255}, &error);
  if (!frame) return fail("bad Rumor frame: " + error);
  if (frame->is(RumorFrame::Type::Status)) return onStatus(*frame);
  if (frame->is(RumorFrame::Type::Message)) onMessage(*frame);
}

void RumorClient::onStatus(const RumorFrame& frame) {
  auto txid = frame.header("TRANSACTION-ID");
  if (!txid) return;
  auto it = pending_.find(std::string(*txid));
  if (it == pending_.end()) return;
  std::string purpose = std::move(it->second);
  pending_.erase(it);
  auto status = frame.header("STATUS");
  if (!status || *status != "200")
    fail(purpose + " refused: " + std::string(status.value_or("?")) + " " +
         frame.payload.substr(0, 200));
}

void RumorClient::onMessage(const RumorFrame& frame) {
  auto from = frame.header("X-TB-FROM-ADDRESS");
  if (auto txid = frame.header("TRANSACTION-ID")) {
    RumorFrame ack;
    ack.type = static_cast<uint8_t>(RumorFrame::Type::Status);
    ack.addresses.push_back(std::string(from.value_or("")));
    ack.setHeader("TRANSACTION-ID", *txid);
    ack.setHeader("X-TB-FROM-ADDRESS", connectionId_);
    socket_->send(ack.serialize(), true);
  }
  auto raptor = core::Json::parse(frame.payload);
  if (!raptor || !raptor->isObject()) return;
  auto method = raptor->getString("method").value_or("");
  auto uri = raptor->getString("uri").value_or("");
  const core::Json* content = raptor->find("content");
  if (!content || !content->isObject()) return;
  const std::string streamPrefix = sessionUri() + "/stream/";

  if (method == "created" && uri == sessionUri() + "/connection/" + connectionId_) {
    if (!joined_) {
      joined_ = true;
      listener_.onJoined();
    }
    return;
  }
  if (uri.rfind(streamPrefix, 0) != 0) return;
  std::string rest = uri.substr(streamPrefix.size());  // "{sid}" or "{sid}/subscriber/{sub}…"
  auto slash = rest.find('/');
  std::string sid = rest.substr(0, slash);
  if (slash == std::string::npos) {
    if (sid != streamId_) return;
    if (method == "created") {
      listener_.onPublished(streamId_);
    } else if (method == "generateoffer") {
      std::string offer = listener_.onOfferWanted();
      sendJsep("offer", uri, offer, content->getString("peerId").value_or(""),
               content->getString("sourceStreamId").value_or("MANTIS"));
    } else if (method == "answer") {
      listener_.onAnswer(content->getString("sdp").value_or(""));
    } else if (method == "candidate") {
      if (auto c = content->getString("candidate")) listener_.onRemoteCandidate("", *c);
    }
    return;
  }
  const std::string marker = "/subscriber/";
  if (rest.compare(slash, marker.size(), marker) != 0) return;
  std::string subscriberId = rest.substr(slash + marker.size());
  if (subscriberId.find('/') != std::string::npos) return;  // channel updates
  auto sub = subscriptions_.find(subscriberId);
  if (sub == subscriptions_.end()) return;
  if (method == "offer") {
    std::string answer = listener_.onOffer(sub->second, content->getString("sdp").value_or(""));
    sendJsep("answer", uri, answer, content->getString("peerId").value_or(""),
             content->getString("sourceStreamId").value_or("MANTIS"));
  } else if (method == "candidate") {
    if (auto c = content->getString("candidate")) listener_.onRemoteCandidate(sub->second, *c);
  }
}

}  // namespace parley::load
