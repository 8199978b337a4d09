#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/HttpRequest.h"
#include "http/HttpResponse.h"

namespace parley::cluster {

// The JSON messages REST forwarding exchanges over Redis (RequestForwarder): a request
// with the id its answer carries back and the node to answer, and the answer.
struct ForwardedRequest {
  std::uint64_t id = 0;
  std::string from;  // the node waiting for the answer
  http::HttpRequest request;
};

struct ForwardedReply {
  std::uint64_t id = 0;
  http::HttpResponse response;
};

class ClusterMessage {
 public:
  static std::string encodeRequest(std::uint64_t id, const std::string& from,
                                   const http::HttpRequest& request);
  // nullopt for anything malformed; the request comes back marked `forwarded`.
  static std::optional<ForwardedRequest> decodeRequest(std::string_view text);
  // A file body is not carried: such an answer is encoded as a 502.
  static std::string encodeReply(std::uint64_t id, const http::HttpResponse& response);
  static std::optional<ForwardedReply> decodeReply(std::string_view text);
};

}  // namespace parley::cluster
