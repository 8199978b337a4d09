#include "media/DescriptionJson.h"

#include <string>

namespace parley::media {

using core::Json;

namespace {

constexpr size_t kMaxItems = 32;       // codecs, extmaps, layers, feedback, parameters
constexpr size_t kMaxTextBytes = 256;  // names, URIs, parameter values

long long number(uint64_t v) {
  return static_cast<long long>(v);
}

bool readText(const Json& object, std::string_view key, std::string& out) {
  auto v = object.getString(key);
  if (!v || v->size() > kMaxTextBytes) return false;
  out = *v;
  return true;
}

template <class T>
bool readUnsigned(const Json& object, std::string_view key, T& out, uint64_t max) {
  auto v = object.getInt(key);
  if (!v || *v < 0 || static_cast<uint64_t>(*v) > max) return false;
  out = static_cast<T>(*v);
  return true;
}

bool readFlag(const Json& object, std::string_view key, bool& out) {
  auto v = object.getBool(key);
  if (!v) return false;
  out = *v;
  return true;
}

// A bounded array under `key`, or null.
const Json* list(const Json& object, std::string_view key) {
  const Json* v = object.find(key);
  return v && v->isArray() && v->size() <= kMaxItems ? v : nullptr;
}

Json codecJson(const sdp::Codec& c) {
  Json params = Json::object();
  for (const auto& [k, v] : c.params) params.set(k, Json(v));
  Json feedback = Json::array();
  for (const auto& f : c.feedback) feedback.push(Json(f));
  return Json::object({{"pt", number(c.payloadType)},
                       {"name", c.name},
                       {"rate", number(c.clockRate)},
                       {"channels", number(c.channels)},
                       {"params", params},
                       {"feedback", feedback}});
}

std::optional<sdp::Codec> readCodec(const Json& j) {
  sdp::Codec c;
  const Json* params = j.find("params");
  const Json* feedback = list(j, "feedback");
  if (!readUnsigned(j, "pt", c.payloadType, 127) || !readText(j, "name", c.name) ||
      !readUnsigned(j, "rate", c.clockRate, 1000000) ||
      !readUnsigned(j, "channels", c.channels, 8) || !params || !params->isObject() ||
      params->keys().size() > kMaxItems || !feedback)
    return std::nullopt;
  for (size_t i = 0; i < params->keys().size(); ++i) {
    const Json& v = params->valueAt(i);
    if (!v.isString() || v.asString().size() > kMaxTextBytes ||
        params->keys()[i].size() > kMaxTextBytes)
      return std::nullopt;
    c.params[params->keys()[i]] = v.asString();
  }
  for (const auto& f : feedback->items()) {
    if (!f.isString() || f.asString().size() > kMaxTextBytes) return std::nullopt;
    c.feedback.push_back(f.asString());
  }
  return c;
}

}  // namespace

Json DescriptionJson::track(const TrackDescription& t) {
  Json codecs = Json::array();
  for (const auto& c : t.codecs) codecs.push(codecJson(c));
  Json rtx = Json::array();
  for (const auto& [pt, apt] : t.rtxPayloads) rtx.push(Json::array({number(pt), number(apt)}));
  Json extmaps = Json::array();
  for (const auto& e : t.extmaps) {
    Json item = Json::object({{"id", number(e.id)}, {"uri", e.uri}, {"attributes", e.attributes}});
    if (e.direction) item.set("direction", Json(number(static_cast<unsigned>(*e.direction))));
    extmaps.push(item);
  }
  Json layers = Json::array();
  for (const auto& l : t.layers)
    layers.push(
        Json::object({{"ssrc", number(l.ssrc)}, {"rtx", number(l.rtxSsrc)}, {"rid", l.rid}}));
  const HeaderExtensionIds& x = t.ext;
  return Json::object(
      {{"kind", t.isVideo() ? "video" : "audio"},
       {"mid", t.mid},
       {"codecs", codecs},
       {"rtx", rtx},
       {"extmaps", extmaps},
       {"ext", Json::array({number(x.mid), number(x.absSendTime), number(x.transportCc),
                            number(x.audioLevel), number(x.videoOrientation), number(x.rid),
                            number(x.repairedRid)})},
       {"layers", layers},
       {"cname", t.cname},
       {"nack", t.nack},
       {"pli", t.pli},
       {"fir", t.fir},
       {"transportCc", t.transportCc},
       {"remb", t.remb}});
}

std::optional<TrackDescription> DescriptionJson::readTrack(const Json& j) {
  if (!j.isObject()) return std::nullopt;
  TrackDescription t;
  auto kind = j.getString("kind");
  if (kind == "video")
    t.kind = sdp::MediaKind::Video;
  else if (kind != "audio")
    return std::nullopt;
  const Json* codecs = list(j, "codecs");
  const Json* rtx = list(j, "rtx");
  const Json* extmaps = list(j, "extmaps");
  const Json* ext = list(j, "ext");
  const Json* layers = list(j, "layers");
  if (!readText(j, "mid", t.mid) || !readText(j, "cname", t.cname) || !codecs || !rtx || !extmaps ||
      !ext || ext->size() != 7 || !layers || !readFlag(j, "nack", t.nack) ||
      !readFlag(j, "pli", t.pli) || !readFlag(j, "fir", t.fir) ||
      !readFlag(j, "transportCc", t.transportCc) || !readFlag(j, "remb", t.remb))
    return std::nullopt;
  for (const auto& c : codecs->items()) {
    auto codec = c.isObject() ? readCodec(c) : std::nullopt;
    if (!codec) return std::nullopt;
    t.codecs.push_back(std::move(*codec));
  }
  for (const auto& pair : rtx->items()) {
    if (!pair.isArray() || pair.size() != 2 || !pair.at(0).isInteger() || !pair.at(1).isInteger())
      return std::nullopt;
    const auto pt = pair.at(0).asInt();
    const auto apt = pair.at(1).asInt();
    if (pt < 0 || pt > 127 || apt < 0 || apt > 127) return std::nullopt;
    t.rtxPayloads[static_cast<uint8_t>(pt)] = static_cast<uint8_t>(apt);
  }
  for (const auto& e : extmaps->items()) {
    sdp::Extmap x;
    if (!e.isObject() || !readUnsigned(e, "id", x.id, 255) || !readText(e, "uri", x.uri) ||
        !readText(e, "attributes", x.attributes))
      return std::nullopt;
    if (e.find("direction")) {
      unsigned d = 0;
      if (!readUnsigned(e, "direction", d, static_cast<unsigned>(sdp::Direction::Inactive)))
        return std::nullopt;
      x.direction = static_cast<sdp::Direction>(d);
    }
    t.extmaps.push_back(std::move(x));
  }
  uint8_t ids[7] = {};
  for (size_t i = 0; i < 7; ++i) {
    const Json& v = ext->at(i);
    if (!v.isInteger() || v.asInt() < 0 || v.asInt() > 255) return std::nullopt;
    ids[i] = static_cast<uint8_t>(v.asInt());
  }
  t.ext = {ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]};
  for (const auto& l : layers->items()) {
    TrackDescription::Layer layer;
    if (!l.isObject() || !readUnsigned(l, "ssrc", layer.ssrc, 0xFFFFFFFFu) ||
        !readUnsigned(l, "rtx", layer.rtxSsrc, 0xFFFFFFFFu) || !readText(l, "rid", layer.rid))
      return std::nullopt;
    t.layers.push_back(std::move(layer));
  }
  if (t.codecs.empty()) return std::nullopt;
  return t;
}

Json DescriptionJson::transport(const TransportDescription& t) {
  return Json::object({{"ufrag", t.iceUfrag},
                       {"password", t.icePassword},
                       {"hash", t.fingerprintHash},
                       {"fingerprint", t.fingerprint},
                       {"role", t.dtlsRole == dtls::DtlsRole::Client ? "client" : "server"}});
}

std::optional<TransportDescription> DescriptionJson::readTransport(const Json& j) {
  if (!j.isObject()) return std::nullopt;
  TransportDescription t;
  auto role = j.getString("role");
  if (role == "client")
    t.dtlsRole = dtls::DtlsRole::Client;
  else if (role != "server")
    return std::nullopt;
  if (!readText(j, "ufrag", t.iceUfrag) || !readText(j, "password", t.icePassword) ||
      !readText(j, "hash", t.fingerprintHash) || !readText(j, "fingerprint", t.fingerprint))
    return std::nullopt;
  return t;
}

}  // namespace parley::media
