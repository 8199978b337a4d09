#include "cluster/ClusterMessage.h"

#include "core/Json.h"

namespace parley::cluster {

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

core::Json headersJson(const Headers& headers) {
  core::Json out = core::Json::array();
  for (const auto& [name, value] : headers) out.push(core::Json::array({name, value}));
  return out;
}

bool readHeaders(const core::Json* json, Headers& out) {
  if (!json || !json->isArray()) return false;
  for (const auto& pair : json->items()) {
    if (!pair.isArray() || pair.size() != 2 || !pair.at(0).isString() || !pair.at(1).isString())
      return false;
    out.emplace_back(pair.at(0).asString(), pair.at(1).asString());
  }
  return true;
}

std::optional<std::uint64_t> readId(const core::Json& json) {
  auto id = json.getInt("id");
  if (!id || *id < 0) return std::nullopt;
  return static_cast<std::uint64_t>(*id);
}

}  // namespace

std::string ClusterMessage::encodeRequest(std::uint64_t id, const std::string& from,
                                          const http::HttpRequest& request) {
  return core::Json::object({{"id", static_cast<long long>(id)},
                             {"from", from},
                             {"method", request.method},
                             {"target", request.target},
                             {"headers", headersJson(request.headers)},
                             {"body", request.body},
                             {"remote", request.remoteAddress},
                             {"secure", request.secure}})
      .dump();
}

std::optional<ForwardedRequest> ClusterMessage::decodeRequest(std::string_view text) {
  auto json = core::Json::parse(text);
  if (!json || !json->isObject()) return std::nullopt;
  auto id = readId(*json);
  auto from = json->getString("from");
  auto method = json->getString("method");
  auto target = json->getString("target");
  if (!id || !from || from->empty() || !method || method->empty() || !target || target->empty() ||
      target->front() != '/')
    return std::nullopt;
  ForwardedRequest out;
  out.id = *id;
  out.from = *from;
  if (!readHeaders(json->find("headers"), out.request.headers)) return std::nullopt;
  out.request.method = *method;
  out.request.target = *target;
  out.request.body = json->getString("body").value_or("");
  out.request.remoteAddress = json->getString("remote").value_or("");
  out.request.secure = json->getBool("secure").value_or(false);
  out.request.forwarded = true;
  return out;
}

std::string ClusterMessage::encodeReply(std::uint64_t id, const http::HttpResponse& response) {
  core::Json answer = core::Json::object({{"id", static_cast<long long>(id)}});
  if (response.fileBody) {
    const auto refused = http::HttpResponse::error(502, "Bad gateway",
                                                   "a file answer is not forwarded between nodes");
    answer.set("status", refused.status);
    answer.set("headers", headersJson(refused.headers));
    answer.set("body", refused.body);
  } else {
    answer.set("status", response.status);
    answer.set("headers", headersJson(response.headers));
    answer.set("body", response.body);
  }
  return answer.dump();
}

std::optional<ForwardedReply> ClusterMessage::decodeReply(std::string_view text) {
  auto json = core::Json::parse(text);
  if (!json || !json->isObject()) return std::nullopt;
  auto id = readId(*json);
  auto status = json->getInt("status");
  if (!id || !status || *status < 100 || *status > 599) return std::nullopt;
  ForwardedReply out;
  out.id = *id;
  out.response.status = static_cast<int>(*status);
  if (!readHeaders(json->find("headers"), out.response.headers)) return std::nullopt;
  out.response.body = json->getString("body").value_or("");
  return out;
}

}  // namespace parley::cluster
