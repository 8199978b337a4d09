// What arrives from Redis: forwarded REST requests and their answers, and node records.
// Anything malformed is refused without a crash; what decodes re-encodes to the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cluster/ClusterMessage.h"
#include "cluster/NodeRecord.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using parley::cluster::ClusterMessage;
  if (auto request = ClusterMessage::decodeRequest(text)) {
    auto again = ClusterMessage::decodeRequest(
        ClusterMessage::encodeRequest(request->id, request->from, request->request));
    if (!again || again->request.target != request->request.target ||
        again->request.headers != request->request.headers)
      __builtin_trap();
  }
  if (auto reply = ClusterMessage::decodeReply(text)) {
    auto again =
        ClusterMessage::decodeReply(ClusterMessage::encodeReply(reply->id, reply->response));
    if (!again || again->response.status != reply->response.status ||
        again->response.body != reply->response.body)
      __builtin_trap();
  }
  if (auto node = parley::cluster::NodeRecord::fromJson(text)) {
    auto again = parley::cluster::NodeRecord::fromJson(node->toJson());
    if (!again || again->id != node->id || again->connections != node->connections)
      __builtin_trap();
  }
  return 0;
}
