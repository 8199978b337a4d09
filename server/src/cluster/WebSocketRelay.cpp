#include "cluster/WebSocketRelay.h"

#include "obs/Logger.h"
#include "obs/Metrics.h"

namespace parley::cluster {

namespace {

obs::Metrics::Counter& relayedCounter() {
  return obs::Metrics::instance().counter(
      "parley_cluster_relayed_sockets_total",
      "Client WebSockets relayed to the node that owns their session");
}

}  // namespace

WebSocketRelay::WebSocketRelay(boost::asio::io_context& io, std::string upstreamUrl,
                               std::size_t maxQueuedBytes)
    : io_(io), upstreamUrl_(std::move(upstreamUrl)), maxQueuedBytes_(maxQueuedBytes) {}

WebSocketRelay::~WebSocketRelay() {
  if (upstream_) upstream_->detach();
}

void WebSocketRelay::onOpen(std::shared_ptr<http::WebSocketSink> sink) {
  client_ = std::move(sink);
  relayedCounter().add();
  std::weak_ptr<WebSocketRelay> weak = weak_from_this();
  http::WebSocketClient::Handlers handlers;
  handlers.message = [weak](std::string_view message, bool) {
    auto self = weak.lock();
    if (!self || self->closed_ || !self->client_) return;
    self->client_->sendBinary(message);
  };
  handlers.closed = [weak](const std::string& reason) {
    auto self = weak.lock();
    if (!self || self->closed_) return;
    obs::Logger::debug("relayed socket: the owner closed it",
                       {{"upstream", self->upstreamUrl_}, {"reason", reason}});
    self->closeBoth(1001);
  };
  upstream_ = http::WebSocketClient::create(io_, std::move(handlers));
  // Messages the client sends before the owner's socket is open wait in its queue.
  upstream_->open(upstreamUrl_);
}

void WebSocketRelay::onMessage(std::string message, bool binary) {
  if (closed_ || !upstream_) return;
  if (upstream_->queuedBytes() + message.size() > maxQueuedBytes_) {
    obs::Logger::warn("relayed socket closed: the owner does not keep up",
                      {{"upstream", upstreamUrl_}});
    closeBoth(1011);
    return;
  }
  upstream_->send(std::move(message), binary);
}

void WebSocketRelay::onClose() {
  if (closed_) return;
  closed_ = true;
  if (upstream_) upstream_->close();
  client_.reset();
}

void WebSocketRelay::closeBoth(std::uint16_t code) {
  if (closed_) return;
  closed_ = true;
  if (upstream_) upstream_->close();
  if (client_) client_->close(code);
  client_.reset();
}

}  // namespace parley::cluster
