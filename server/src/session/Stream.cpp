#include "session/Stream.h"

namespace parley::session {

namespace {

// The client accepts `true` or the string "true" as active (docs/protocol.md §7.6.2).
bool isActive(const core::Json* channel) {
  if (!channel) return false;
  const core::Json* active = channel->find("active");
  if (!active) return false;
  return (active->isBool() && active->asBool()) ||
         (active->isString() && active->asString() == "true");
}

const core::Json* firstOfType(const core::Json& channels, std::string_view type) {
  for (const auto& c : channels.items())
    if (c.getString("type") == type) return &c;
  return nullptr;
}

}  // namespace

const core::Json* Stream::channel(std::string_view channelId) const {
  for (const auto& c : channels.items())
    if (c.getString("id") == channelId) return &c;
  return nullptr;
}

core::Json* Stream::channel(std::string_view channelId) {
  return const_cast<core::Json*>(static_cast<const Stream*>(this)->channel(channelId));
}

std::optional<std::string> Stream::videoType() const {
  const core::Json* video = firstOfType(channels, "video");
  if (!video) return std::nullopt;
  auto source = video->getString("source");
  return source && !source->empty() ? *source : "camera";
}

bool Stream::hasAudio() const {
  return isActive(firstOfType(channels, "audio"));
}
bool Stream::hasVideo() const {
  return isActive(firstOfType(channels, "video"));
}

core::Json Stream::toJson(const core::Json& connection, bool routed) const {
  // sourceStreamId names where the media comes from: the SFU ("MANTIS") or the publisher
  // itself ("P2P"). OpenTok.js needs "MANTIS" to resubscribe to a stream it already knows
  // during session migration (docs/cluster.md).
  core::Json out = core::Json::object({{"id", id},
                                       {"name", name},
                                       {"creationTime", creationTime},
                                       {"connection", connection},
                                       {"channel", channels},
                                       {"sourceStreamId", routed ? "MANTIS" : "P2P"}});
  for (std::size_t i = 0; i < extra.keys().size(); ++i) out.set(extra.keys()[i], extra.valueAt(i));
  return out;
}

core::Json Stream::toRestJson() const {
  core::Json classes = core::Json::array();
  for (const auto& c : layoutClassList) classes.push(c);
  core::Json out = core::Json::object({{"id", id}});
  if (auto type = videoType()) out.set("videoType", *type);
  out.set("name", name);
  out.set("layoutClassList", classes);
  return out;
}

}  // namespace parley::session
