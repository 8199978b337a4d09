#include "cluster/RequestForwarder.h"

#include <boost/asio/post.hpp>

#include "cluster/RedisConnection.h"
#include "cluster/RedisError.h"
#include "core/Json.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"

namespace parley::cluster {

namespace {

core::Json headersJson(const std::vector<std::pair<std::string, std::string>>& headers) {
  core::Json out = core::Json::array();
  for (const auto& [name, value] : headers) out.push(core::Json::array({name, value}));
  return out;
}

bool readHeaders(const core::Json* json, std::vector<std::pair<std::string, std::string>>& out) {
  if (!json || !json->isArray()) return false;
  for (const auto& pair : json->items()) {
    if (!pair.isArray() || pair.size() != 2 || !pair.at(0).isString() || !pair.at(1).isString())
      return false;
    out.emplace_back(pair.at(0).asString(), pair.at(1).asString());
  }
  return true;
}

obs::Metrics::Counter& forwardedCounter(const char* outcome) {
  return obs::Metrics::instance().counter("parley_cluster_forwarded_requests_total",
                                          "REST requests sent to the node that owns their session",
                                          std::string("outcome=\"") + outcome + "\"");
}

}  // namespace

RequestForwarder::RequestForwarder(boost::asio::io_context& io, RedisConnection& redis,
                                   Settings settings, LocalHandler local)
    : io_(io),
      redis_(redis),
      settings_(std::move(settings)),
      local_(std::move(local)),
      subscriber_(
          settings_.redisUrl, {requestChannel(settings_.nodeId), replyChannel(settings_.nodeId)},
          [this, alive = alive_](const std::string& channel, std::string payload) {
            // Subscriber thread: hand over to the control thread.
            boost::asio::post(io_, [this, alive, channel, p = std::move(payload)]() mutable {
              if (*alive) onMessage(channel, std::move(p));
            });
          }) {}

RequestForwarder::~RequestForwarder() {
  stop();
}

void RequestForwarder::start() {
  subscriber_.start();
}

void RequestForwarder::stop() {
  subscriber_.stop();
  *alive_ = false;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) {
    p.deadline->cancel();
    p.response->complete(http::HttpResponse::error(503, "Service unavailable", "node stopping"));
  }
}

http::HttpResponse RequestForwarder::forward(const http::HttpRequest& request,
                                             const std::string& nodeId) {
  if (pending_.size() >= settings_.maxPending) {
    forwardedCounter("overloaded").add();
    return http::HttpResponse::error(503, "Service unavailable",
                                     "too many requests waiting for other nodes");
  }
  const std::uint64_t id = nextId_++;
  const std::string message = core::Json::object({{"id", static_cast<long long>(id)},
                                                  {"from", settings_.nodeId},
                                                  {"method", request.method},
                                                  {"target", request.target},
                                                  {"headers", headersJson(request.headers)},
                                                  {"body", request.body},
                                                  {"remote", request.remoteAddress},
                                                  {"secure", request.secure}})
                                  .dump();
  long long receivers = 0;
  try {
    receivers = redis_.command({"PUBLISH", requestChannel(nodeId), message}).integer;
  } catch (const RedisError& e) {
    forwardedCounter("redis_error").add();
    obs::Logger::warn("cannot forward a request", {{"node", nodeId}, {"error", e.what()}});
    return http::HttpResponse::error(503, "Service unavailable", "the cluster is unreachable");
  }
  if (receivers == 0) {
    forwardedCounter("not_listening").add();
    return http::HttpResponse::error(502, "Bad gateway",
                                     "the node that holds this session does not answer");
  }
  Pending pending;
  pending.response = std::make_shared<http::DeferredResponse>();
  pending.deadline = std::make_unique<boost::asio::steady_timer>(io_, settings_.timeout);
  pending.deadline->async_wait([this, alive = alive_, id](boost::system::error_code ec) {
    if (ec || !*alive) return;
    forwardedCounter("timeout").add();
    finish(id, http::HttpResponse::error(504, "Gateway timeout",
                                         "the node that holds this session did not answer"));
  });
  http::HttpResponse placeholder;
  placeholder.deferred = pending.response;
  pending_.emplace(id, std::move(pending));
  return placeholder;
}

void RequestForwarder::onMessage(const std::string& channel, std::string payload) {
  if (payload.size() > settings_.maxMessageBytes) {
    obs::Logger::warn("cluster message too large", {{"channel", channel}});
    return;
  }
  if (channel == requestChannel(settings_.nodeId)) {
    answerRequest(payload);
  } else {
    takeReply(payload);
  }
}

void RequestForwarder::answerRequest(const std::string& payload) {
  auto json = core::Json::parse(payload);
  const auto id = json ? json->getInt("id") : std::nullopt;
  const auto from = json ? json->getString("from") : std::nullopt;
  http::HttpRequest request;
  request.forwarded = true;
  if (!id || !from || from->empty() || !json->getString("method") || !json->getString("target") ||
      !readHeaders(json->find("headers"), request.headers)) {
    obs::Logger::warn("malformed forwarded request ignored", {});
    return;
  }
  request.method = *json->getString("method");
  request.target = *json->getString("target");
  request.body = json->getString("body").value_or("");
  request.remoteAddress = json->getString("remote").value_or("");
  request.secure = json->getBool("secure").value_or(false);
  auto reply = [this, replyTo = *from, id = *id](const http::HttpResponse& response) {
    core::Json answer = core::Json::object({{"id", static_cast<long long>(id)}});
    if (response.fileBody) {
      answer.set("status", 502);
      answer.set(
          "body",
          R"({"code":502,"message":"Bad gateway","description":"a file answer is not forwarded"})");
      answer.set("headers",
                 core::Json::array({core::Json::array({"Content-Type", "application/json"})}));
    } else {
      answer.set("status", response.status);
      answer.set("headers", headersJson(response.headers));
      answer.set("body", response.body);
    }
    try {
      redis_.command({"PUBLISH", replyChannel(replyTo), answer.dump()});
    } catch (const RedisError& e) {
      obs::Logger::warn("cannot answer a forwarded request",
                        {{"node", replyTo}, {"error", e.what()}});
    }
  };
  http::HttpResponse response = local_(request);
  if (response.deferred) {
    response.deferred->onReady([reply](http::HttpResponse later) { reply(later); });
  } else {
    reply(response);
  }
}

void RequestForwarder::takeReply(const std::string& payload) {
  auto json = core::Json::parse(payload);
  const auto id = json ? json->getInt("id") : std::nullopt;
  const auto status = json ? json->getInt("status") : std::nullopt;
  if (!id || !status || *status < 100 || *status > 599) return;
  http::HttpResponse response;
  response.status = static_cast<int>(*status);
  if (!readHeaders(json->find("headers"), response.headers)) return;
  response.body = json->getString("body").value_or("");
  forwardedCounter("answered").add();
  finish(static_cast<std::uint64_t>(*id), std::move(response));
}

void RequestForwarder::finish(std::uint64_t id, http::HttpResponse response) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // answered already, or timed out
  Pending pending = std::move(it->second);
  pending_.erase(it);
  pending.deadline->cancel();
  pending.response->complete(std::move(response));
}

}  // namespace parley::cluster
