#include "load/JanusClient.h"

#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "http/WebSocketClient.h"

namespace parley::load {

using core::Json;

namespace {

constexpr auto kKeepAlive = std::chrono::seconds(25);  // Janus's session_timeout is 60 s
constexpr auto kCloseWait = std::chrono::seconds(2);
constexpr std::string_view kPlugin = "janus.plugin.videoroom";

std::string idText(std::int64_t id) {
  return std::to_string(id);
}

}  // namespace

// Lives as long as the socket or a timer may still call it: the facade owns it, and the
// close timer keeps it until the session's `destroy` is answered. Socket handlers hold it
// weakly; the Listener is never called once `closed_` or `failed_` is set.
class JanusClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, std::string wsUrl, std::uint64_t room, Listener& listener,
       bool joinAsPublisher)
      : io_(io),
        url_(std::move(wsUrl)),
        room_(room),
        listener_(listener),
        joinAsPublisher_(joinAsPublisher),
        keepAliveTimer_(io),
        closeTimer_(io) {}

  void join();
  void publish();
  void subscribe(const std::string& streamId);
  void close();

 private:
  // What a transaction was for, to route Janus's "success" or "error".
  enum class Purpose { Create, AttachPublisher, AttachSubscriber, Destroy, Other };
  struct Pending {
    Purpose purpose;
    std::string streamId;  // AttachSubscriber
  };

  bool silent() const { return closed_ || failed_; }
  std::string send(Json message, Purpose purpose = Purpose::Other, std::string streamId = {});
  void sendMessage(std::int64_t handle, Json body, std::optional<Json> jsep = std::nullopt);
  void sendTrickleCompleted(std::int64_t handle);
  void onOpened();
  void onText(std::string_view text);
  void onSuccess(const Pending& pending, const Json& message);
  void onEvent(const Json& message);
  void onPublisherEvent(const Json& data, const Json* jsep);
  void onSubscriberEvent(std::int64_t handle, const Json& data, const Json* jsep);
  void onTrickle(const Json& message);
  void maybePublished();
  void onSessionReady();
  void onPublisherJoined();
  void startSubscription(const std::string& streamId);
  void keepAlive();
  void fail(const std::string& why);
  void stopTimers();

  boost::asio::io_context& io_;
  std::string url_;
  std::uint64_t room_;
  Listener& listener_;
  bool joinAsPublisher_;
  std::shared_ptr<http::WebSocketClient> socket_;
  boost::asio::steady_timer keepAliveTimer_;
  boost::asio::steady_timer closeTimer_;

  std::uint64_t nextTransaction_ = 1;
  std::map<std::string, Pending> pending_;
  std::string destroyTransaction_;
  std::int64_t session_ = 0;
  std::int64_t publisherHandle_ = 0;
  std::string feedId_;
  bool joined_ = false;
  bool publishWanted_ = false;  // publish() before the join completed
  bool publishSent_ = false;
  bool answered_ = false;                          // the configure's answer arrived
  bool publisherUp_ = false;                       // Janus said webrtcup for the publisher handle
  bool published_ = false;                         // onPublished called
  std::vector<std::string> waitingSubscriptions_;  // subscribe() before the session existed
  std::map<std::int64_t, std::string> subscriptions_;  // handle → stream id
  bool closed_ = false;
  bool failed_ = false;
  bool socketDone_ = false;
};

// ---------------------------------------------------------------------------------------
// Messages

Json JanusClient::joinPublisherBody(std::uint64_t room) {
  return Json::object({{"request", "join"},
                       {"ptype", "publisher"},
                       {"room", static_cast<long long>(room)},
                       {"display", "parley-load"}});
}

Json JanusClient::joinSubscriberBody(std::uint64_t room, std::uint64_t feed) {
  return Json::object(
      {{"request", "join"},
       {"ptype", "subscriber"},
       {"room", static_cast<long long>(room)},
       {"streams", Json::array({Json::object({{"feed", static_cast<long long>(feed)}})})}});
}

Json JanusClient::configureBody() {
  return Json::object({{"request", "configure"}, {"audio", true}, {"video", true}});
}

Json JanusClient::jsep(const char* type, const std::string& sdp) {
  return Json::object({{"type", type}, {"sdp", sdp}});
}

std::optional<std::uint64_t> JanusClient::parseFeedId(const std::string& streamId) {
  std::uint64_t value = 0;
  const char* end = streamId.data() + streamId.size();
  auto [ptr, ec] = std::from_chars(streamId.data(), end, value);
  // Janus ids travel as JSON numbers, which core::Json holds as int64.
  if (streamId.empty() || ec != std::errc() || ptr != end || value == 0 ||
      value > static_cast<std::uint64_t>(INT64_MAX))
    return std::nullopt;
  return value;
}

std::optional<std::string> JanusClient::pluginError(const Json& data) {
  auto reason = data.getString("error");
  auto code = data.getInt("error_code");
  if (!reason && !code) return std::nullopt;
  return reason.value_or("error") + " (" + (code ? std::to_string(*code) : "?") + ")";
}

std::string JanusClient::janusError(const Json& message) {
  const Json* error = message.find("error");
  if (!error || !error->isObject()) return "error (?)";
  auto code = error->getInt("code");
  return error->getString("reason").value_or("error") + " (" +
         (code ? std::to_string(*code) : "?") + ")";
}

// ---------------------------------------------------------------------------------------
// Impl

std::string JanusClient::Impl::send(Json message, Purpose purpose, std::string streamId) {
  std::string transaction = "t" + std::to_string(nextTransaction_++);
  message.set("transaction", transaction);
  if (session_ != 0 && !message.contains("session_id")) message.set("session_id", session_);
  // Only answers that carry data are looked up; acks need no record.
  if (purpose != Purpose::Other) pending_[transaction] = Pending{purpose, std::move(streamId)};
  if (socket_) socket_->send(message.dump(), false);
  return transaction;
}

void JanusClient::Impl::sendMessage(std::int64_t handle, Json body, std::optional<Json> jsep) {
  Json message = Json::object({{"janus", "message"}, {"handle_id", handle}});
  message.set("body", std::move(body));
  if (jsep) message.set("jsep", std::move(*jsep));
  send(std::move(message));
}

// Our SDP carries every candidate we have: telling Janus so keeps it from waiting for more.
void JanusClient::Impl::sendTrickleCompleted(std::int64_t handle) {
  send(Json::object({{"janus", "trickle"},
                     {"handle_id", handle},
                     {"candidate", Json::object({{"completed", true}})}}));
}

void JanusClient::Impl::join() {
  if (socket_ || silent()) return;
  std::weak_ptr<Impl> weak = weak_from_this();
  http::WebSocketClient::Handlers handlers;
  handlers.opened = [weak] {
    if (auto self = weak.lock()) self->onOpened();
  };
  handlers.message = [weak](std::string_view text, bool) {
    if (auto self = weak.lock()) self->onText(text);
  };
  handlers.closed = [weak](const std::string& reason) {
    auto self = weak.lock();
    if (!self) return;
    self->socketDone_ = true;
    self->closeTimer_.cancel();
    self->fail("signaling socket closed: " + reason);
  };
  socket_ = http::WebSocketClient::create(io_, std::move(handlers));
  socket_->open(url_, "janus-protocol");
}

void JanusClient::Impl::onOpened() {
  if (silent()) return;
  send(Json::object({{"janus", "create"}}), Purpose::Create);
}

void JanusClient::Impl::onSessionReady() {
  keepAlive();
  if (joinAsPublisher_) {
    send(Json::object({{"janus", "attach"}, {"plugin", kPlugin}}), Purpose::AttachPublisher);
  } else {
    joined_ = true;
    listener_.onJoined();
  }
  if (silent()) return;
  auto waiting = std::move(waitingSubscriptions_);
  for (const auto& streamId : waiting) startSubscription(streamId);
}

void JanusClient::Impl::onPublisherJoined() {
  joined_ = true;
  listener_.onJoined();
  if (!silent() && publishWanted_) publish();
}

void JanusClient::Impl::publish() {
  if (silent() || publishSent_) return;
  if (!joinAsPublisher_) return fail("publish() on a client that did not join as a publisher");
  if (!joined_) {
    publishWanted_ = true;
    return;
  }
  publishSent_ = true;
  std::string offer = listener_.onOfferWanted();
  if (silent()) return;
  sendMessage(publisherHandle_, configureBody(), jsep("offer", offer));
  sendTrickleCompleted(publisherHandle_);
}

void JanusClient::Impl::subscribe(const std::string& streamId) {
  if (silent()) return;
  if (!parseFeedId(streamId)) return fail("not a Janus feed id: '" + streamId + "'");
  if (session_ == 0) {
    waitingSubscriptions_.push_back(streamId);
    return;
  }
  startSubscription(streamId);
}

void JanusClient::Impl::startSubscription(const std::string& streamId) {
  send(Json::object({{"janus", "attach"}, {"plugin", kPlugin}}), Purpose::AttachSubscriber,
       streamId);
}

void JanusClient::Impl::keepAlive() {
  keepAliveTimer_.expires_after(kKeepAlive);
  std::weak_ptr<Impl> weak = weak_from_this();
  keepAliveTimer_.async_wait([weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->silent()) return;
    self->send(Json::object({{"janus", "keepalive"}}));
    self->keepAlive();
  });
}

void JanusClient::Impl::stopTimers() {
  keepAliveTimer_.cancel();
}

void JanusClient::Impl::fail(const std::string& why) {
  if (silent()) return;
  failed_ = true;
  stopTimers();
  listener_.onFailed(why);
}

void JanusClient::Impl::close() {
  if (closed_) return;
  closed_ = true;
  stopTimers();
  if (!socket_ || socketDone_) return;
  if (!socket_->isOpen() || session_ == 0) {
    socket_->close();
    return;
  }
  // Detach first so Janus hangs the PeerConnections up, then destroy the session; the socket
  // closes once the destroy is answered (closing at once would drop the queued requests).
  for (const auto& [handle, streamId] : subscriptions_)
    send(Json::object({{"janus", "detach"}, {"handle_id", handle}}));
  if (publisherHandle_ != 0)
    send(Json::object({{"janus", "detach"}, {"handle_id", publisherHandle_}}));
  destroyTransaction_ = send(Json::object({{"janus", "destroy"}}), Purpose::Destroy);
  closeTimer_.expires_after(kCloseWait);
  auto self = shared_from_this();  // kept until the socket is told to close
  closeTimer_.async_wait([self](const boost::system::error_code&) {
    if (self->socket_ && !self->socketDone_) self->socket_->close();
  });
}

void JanusClient::Impl::onText(std::string_view text) {
  std::string error;
  auto message = Json::parse(text, &error);
  if (!message || !message->isObject()) return fail("unreadable Janus message: " + error);
  std::string kind = message->getString("janus").value_or("");
  std::optional<std::string> transaction = message->getString("transaction");

  if (closed_) {
    // Only the destroy's answer matters now.
    if (transaction && *transaction == destroyTransaction_ &&
        (kind == "success" || kind == "error")) {
      closeTimer_.cancel();
      if (!socketDone_) socket_->close();
    }
    return;
  }
  if (failed_) return;

  if (kind == "success" || kind == "error") {
    Pending pending{Purpose::Other, {}};
    if (transaction) {
      auto it = pending_.find(*transaction);
      if (it != pending_.end()) {
        pending = std::move(it->second);
        pending_.erase(it);
      }
    }
    if (kind == "error") return fail("janus: " + JanusClient::janusError(*message));
    return onSuccess(pending, *message);
  }
  if (kind == "event") return onEvent(*message);
  if (kind == "trickle") return onTrickle(*message);
  if (kind == "hangup") {
    std::string reason = message->getString("reason").value_or("?");
    return fail("janus hung up handle " + idText(message->getInt("sender").value_or(0)) + ": " +
                reason);
  }
  if (kind == "timeout") return fail("janus: session timed out");
  if (kind == "detached") {
    auto sender = message->getInt("sender").value_or(0);
    if (sender == publisherHandle_ || subscriptions_.count(sender))
      return fail("janus detached handle " + idText(sender));
  }
  if (kind == "webrtcup" && publisherHandle_ != 0 &&
      message->getInt("sender").value_or(0) == publisherHandle_) {
    publisherUp_ = true;
    return maybePublished();
  }
  // ack, keepalive answers, a subscription's webrtcup, media, slowlink: nothing to do.
}

void JanusClient::Impl::onSuccess(const Pending& pending, const Json& message) {
  const Json* data = message.find("data");
  std::int64_t id = data ? data->getInt("id").value_or(0) : 0;
  switch (pending.purpose) {
    case Purpose::Create:
      if (id == 0) return fail("janus: create answered without a session id");
      session_ = id;
      return onSessionReady();
    case Purpose::AttachPublisher:
      if (id == 0) return fail("janus: attach answered without a handle id");
      publisherHandle_ = id;
      return sendMessage(publisherHandle_, joinPublisherBody(room_));
    case Purpose::AttachSubscriber: {
      if (id == 0) return fail("janus: attach answered without a handle id");
      subscriptions_[id] = pending.streamId;
      auto feed = parseFeedId(pending.streamId);
      return sendMessage(id, joinSubscriberBody(room_, feed.value_or(0)));
    }
    case Purpose::Destroy:
    case Purpose::Other:
      return;
  }
}

void JanusClient::Impl::onEvent(const Json& message) {
  std::int64_t sender = message.getInt("sender").value_or(0);
  const Json* plugindata = message.find("plugindata");
  const Json* data = plugindata ? plugindata->find("data") : nullptr;
  if (!data || !data->isObject()) return;
  const Json* jsep = message.find("jsep");
  if (jsep && !jsep->isObject()) jsep = nullptr;
  if (sender != 0 && sender == publisherHandle_) return onPublisherEvent(*data, jsep);
  if (subscriptions_.count(sender)) return onSubscriberEvent(sender, *data, jsep);
}

void JanusClient::Impl::onPublisherEvent(const Json& data, const Json* jsep) {
  if (auto error = JanusClient::pluginError(data)) return fail("videoroom: " + *error);
  std::string what = data.getString("videoroom").value_or("");
  if (what == "joined" && !joined_) {
    auto id = data.getInt("id");
    if (!id || *id <= 0) return fail("videoroom: joined without a feed id");
    feedId_ = idText(*id);
    return onPublisherJoined();
  }
  if (jsep && jsep->getString("type") == "answer" && publishSent_ && !answered_) {
    auto sdp = jsep->getString("sdp");
    if (!sdp) return fail("videoroom: answer without SDP");
    answered_ = true;
    listener_.onAnswer(*sdp);
    maybePublished();
  }
}

// The videoroom refuses subscriptions to a publisher whose PeerConnection is not up yet
// ("No such feed"): the stream is announced once the answer is in and Janus said webrtcup.
void JanusClient::Impl::maybePublished() {
  if (silent() || published_ || !answered_ || !publisherUp_) return;
  published_ = true;
  listener_.onPublished(feedId_);
}

void JanusClient::Impl::onSubscriberEvent(std::int64_t handle, const Json& data, const Json* jsep) {
  const std::string streamId = subscriptions_[handle];
  if (auto error = JanusClient::pluginError(data))
    return fail("videoroom (subscription to " + streamId + "): " + *error);
  if (!jsep || jsep->getString("type") != "offer") return;
  auto sdp = jsep->getString("sdp");
  if (!sdp) return fail("videoroom: offer without SDP");
  std::string answer = listener_.onOffer(streamId, *sdp);
  if (silent()) return;
  sendMessage(handle, Json::object({{"request", "start"}}), JanusClient::jsep("answer", answer));
  sendTrickleCompleted(handle);
}

void JanusClient::Impl::onTrickle(const Json& message) {
  const Json* candidate = message.find("candidate");
  if (!candidate || !candidate->isObject()) return;
  auto text = candidate->getString("candidate");
  if (!text) return;  // {"completed": true}
  std::int64_t sender = message.getInt("sender").value_or(0);
  if (sender != 0 && sender == publisherHandle_) return listener_.onRemoteCandidate("", *text);
  auto it = subscriptions_.find(sender);
  if (it != subscriptions_.end()) listener_.onRemoteCandidate(it->second, *text);
}

// ---------------------------------------------------------------------------------------
// Facade

JanusClient::JanusClient(boost::asio::io_context& io, std::string wsUrl, std::uint64_t room,
                         Listener& listener, bool joinAsPublisher)
    : impl_(std::make_shared<Impl>(io, std::move(wsUrl), room, listener, joinAsPublisher)) {}

JanusClient::~JanusClient() {
  impl_->close();
}

void JanusClient::join() {
  auto keep = impl_;  // a Listener call may destroy this facade
  keep->join();
}

void JanusClient::publish() {
  auto keep = impl_;
  keep->publish();
}

void JanusClient::subscribe(const std::string& streamId) {
  auto keep = impl_;
  keep->subscribe(streamId);
}

void JanusClient::close() {
  auto keep = impl_;
  keep->close();
}

}  // namespace parley::load
