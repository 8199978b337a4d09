#include "session/ChannelFilter.h"

#include <array>
#include <string_view>

#include "core/ClientId.h"

namespace parley::session {

namespace {

using core::Json;

// Attributes that receivers read (docs/protocol.md §7.6.4) plus those OpenTok.js itself
// sends with active-state changes.
constexpr std::array<std::string_view, 13> kAttributes = {
    "active",         "activeReason", "congestionLevel",  "disableWarning", "width",
    "height",         "orientation",  "frameRate",        "fitMode",        "source",
    "sourceStreamId", "subscriberId", "restrictFrameRate"};

bool known(std::string_view key) {
  for (auto k : kAttributes)
    if (k == key) return true;
  return false;
}

bool shortScalar(const Json& v) {
  if (v.isBool() || v.isNumber() || v.isNull()) return true;
  return v.isString() && v.asString().size() <= ChannelFilter::kMaxStringValue;
}

void copyAttributes(const Json& in, Json& out) {
  for (std::size_t i = 0; i < in.keys().size(); ++i) {
    const std::string& key = in.keys()[i];
    const Json& value = in.valueAt(i);
    if (known(key) && shortScalar(value)) out.set(key, value);
  }
}

}  // namespace

std::optional<Json> ChannelFilter::channel(const Json& in) {
  if (!in.isObject()) return std::nullopt;
  auto id = in.getString("id");
  auto type = in.getString("type");
  if (!id || !type || !core::isValidClientId(*id) || id->size() > kMaxStringValue ||
      !core::isValidClientId(*type) || type->size() > kMaxStringValue)
    return std::nullopt;
  Json out = Json::object({{"id", *id}, {"type", *type}});
  copyAttributes(in, out);
  return out;
}

Json ChannelFilter::update(const Json& in) {
  Json out = Json::object();
  if (in.isObject()) copyAttributes(in, out);
  return out;
}

}  // namespace parley::session
