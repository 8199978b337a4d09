// Track and transport descriptions as they cross to another node: what DescriptionJson writes
// reads back to the same description, and its readers refuse whatever is out of type, range
// or bound (the text came over the network).
#include "media/DescriptionJson.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "MediaTestSupport.h"

namespace parley::media {
namespace {

using core::Json;

sdp::Codec codecWith(uint8_t pt, const char* name, uint32_t rate,
                     std::map<std::string, std::string> params, std::vector<std::string> feedback) {
  sdp::Codec c = testsupport::codec(pt, name, rate);
  c.params = std::move(params);
  c.feedback = std::move(feedback);
  return c;
}

// A Chrome publisher's camera as the SFU negotiated it: VP8 and H.264 with RTX, RID
// simulcast in three layers, header extensions with and without a direction.
TrackDescription chromeVideo() {
  TrackDescription t;
  t.kind = sdp::MediaKind::Video;
  t.mid = "1";
  const std::vector<std::string> feedback{"goog-remb", "transport-cc", "ccm fir", "nack",
                                          "nack pli"};
  t.codecs.push_back(
      codecWith(96, "VP8", 90000, {{"max-fr", "30"}, {"max-fs", "12288"}}, feedback));
  t.codecs.push_back(codecWith(102, "H264", 90000,
                               {{"level-asymmetry-allowed", "1"},
                                {"packetization-mode", "1"},
                                {"profile-level-id", "42e01f"}},
                               feedback));
  t.rtxPayloads = {{97, 96}, {103, 102}};
  t.extmaps.push_back({1, std::nullopt, "urn:ietf:params:rtp-hdrext:sdes:mid", ""});
  t.extmaps.push_back({2, sdp::Direction::RecvOnly,
                       "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", ""});
  t.extmaps.push_back({3, sdp::Direction::Inactive,
                       "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
                       "attr"});
  t.extmaps.push_back({13, sdp::Direction::SendOnly, "urn:3gpp:video-orientation", ""});
  t.extmaps.push_back({10, std::nullopt, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", ""});
  t.extmaps.push_back({255, sdp::Direction::SendRecv,
                       "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id", ""});
  t.ext = {1, 2, 3, 0, 13, 10, 255};
  t.layers = {{0, 0, "q"}, {0x7FFFFFFF, 0x12345678, "h"}, {0xFFFFFFFF, 0xFFFFFFFE, "f"}};
  t.cname = "{4f8a1c2e-93b1-4d7e-a0b6-5c2d9e1f7a3b}";
  t.nack = true;
  t.pli = true;
  t.fir = false;
  t.transportCc = true;
  t.remb = false;
  return t;
}

TrackDescription opusAudio() {
  TrackDescription t;
  t.kind = sdp::MediaKind::Audio;
  t.mid = "0";
  sdp::Codec opus = testsupport::opus();
  opus.params = {{"minptime", "10"}, {"useinbandfec", "1"}, {"usedtx", ""}};
  opus.feedback = {"transport-cc"};
  t.codecs.push_back(opus);
  t.extmaps.push_back({4, std::nullopt, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", ""});
  t.ext.audioLevel = 4;
  t.layers = {{0xCAFEBABE, 0, ""}};
  t.cname = "audio-cname";
  t.fir = true;  // set where the video track has it clear: a swapped flag would show
  t.remb = true;
  return t;
}

void expectSame(const TrackDescription& a, const TrackDescription& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.mid, b.mid);
  EXPECT_EQ(a.codecs, b.codecs);
  EXPECT_EQ(a.rtxPayloads, b.rtxPayloads);
  EXPECT_EQ(a.extmaps, b.extmaps);
  EXPECT_EQ(a.ext.mid, b.ext.mid);
  EXPECT_EQ(a.ext.absSendTime, b.ext.absSendTime);
  EXPECT_EQ(a.ext.transportCc, b.ext.transportCc);
  EXPECT_EQ(a.ext.audioLevel, b.ext.audioLevel);
  EXPECT_EQ(a.ext.videoOrientation, b.ext.videoOrientation);
  EXPECT_EQ(a.ext.rid, b.ext.rid);
  EXPECT_EQ(a.ext.repairedRid, b.ext.repairedRid);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_EQ(a.layers[i].ssrc, b.layers[i].ssrc) << "layer " << i;
    EXPECT_EQ(a.layers[i].rtxSsrc, b.layers[i].rtxSsrc) << "layer " << i;
    EXPECT_EQ(a.layers[i].rid, b.layers[i].rid) << "layer " << i;
  }
  EXPECT_EQ(a.cname, b.cname);
  EXPECT_EQ(a.nack, b.nack);
  EXPECT_EQ(a.pli, b.pli);
  EXPECT_EQ(a.fir, b.fir);
  EXPECT_EQ(a.transportCc, b.transportCc);
  EXPECT_EQ(a.remb, b.remb);
}

// Through text, as it crosses Redis.
std::optional<TrackDescription> throughText(const TrackDescription& t) {
  auto parsed = Json::parse(DescriptionJson::track(t).dump());
  if (!parsed) return std::nullopt;
  return DescriptionJson::readTrack(*parsed);
}

// `json` with member `key` of its array `list` item `index` replaced by `value`.
Json withItemMember(const Json& json, std::string_view list, size_t index, std::string_view key,
                    Json value) {
  Json copy = json;
  Json items = Json::array();
  const Json* old = json.find(list);
  for (size_t i = 0; i < old->size(); ++i) {
    Json item = old->at(i);
    if (i == index) item.set(key, value);
    items.push(item);
  }
  copy.set(list, items);
  return copy;
}

Json with(const Json& json, std::string_view key, Json value) {
  Json copy = json;
  copy.set(key, std::move(value));
  return copy;
}

Json without(const Json& json, std::string_view key) {
  Json copy = json;
  EXPECT_TRUE(copy.erase(key)) << key;
  return copy;
}

TEST(DescriptionJsonTest, AVideoTrackWithSimulcastAndRtxComesBackTheSame) {
  const TrackDescription video = chromeVideo();
  auto back = throughText(video);
  ASSERT_TRUE(back);
  expectSame(*back, video);
  EXPECT_TRUE(back->isVideo());
  // The extension without a direction stays without one, those with one keep theirs.
  EXPECT_FALSE(back->extmaps[0].direction);
  ASSERT_TRUE(back->extmaps[1].direction);
  EXPECT_EQ(*back->extmaps[1].direction, sdp::Direction::RecvOnly);
  EXPECT_EQ(back->codecs[1].params.at("profile-level-id"), "42e01f");
  EXPECT_EQ(back->layers[2].ssrc, 0xFFFFFFFFu);
}

TEST(DescriptionJsonTest, AnAudioTrackComesBackTheSame) {
  const TrackDescription audio = opusAudio();
  auto back = throughText(audio);
  ASSERT_TRUE(back);
  expectSame(*back, audio);
  EXPECT_FALSE(back->isVideo());
  EXPECT_EQ(back->codecs[0].channels, 2u);
  EXPECT_EQ(back->codecs[0].params.at("usedtx"), "");  // a bare fmtp key
  EXPECT_EQ(back->clockRate(), 48000u);
}

TEST(DescriptionJsonTest, TheSupportFixturesTracksComeBackTheSame) {
  for (const auto& t : testsupport::audioAndTwoLayerVideo()) {
    auto back = throughText(t);
    ASSERT_TRUE(back) << t.mid;
    expectSame(*back, t);
  }
}

TEST(DescriptionJsonTest, ATransportComesBackTheSameInEitherDtlsRole) {
  for (auto role : {dtls::DtlsRole::Client, dtls::DtlsRole::Server}) {
    TransportDescription t;
    t.iceUfrag = "Xy7q";
    t.icePassword = "abcdefghijklmnopqrstuvwx";
    t.fingerprintHash = "sha-256";
    t.fingerprint =
        "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:"
        "45:67:89";
    t.dtlsRole = role;
    auto parsed = Json::parse(DescriptionJson::transport(t).dump());
    ASSERT_TRUE(parsed);
    auto back = DescriptionJson::readTransport(*parsed);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->iceUfrag, t.iceUfrag);
    EXPECT_EQ(back->icePassword, t.icePassword);
    EXPECT_EQ(back->fingerprintHash, t.fingerprintHash);
    EXPECT_EQ(back->fingerprint, t.fingerprint);
    EXPECT_EQ(back->dtlsRole, role);
  }
}

// Each case changes one thing of a valid track's JSON; the unchanged JSON is read (so each
// refusal is the change's doing).
struct Case {
  const char* what;
  std::function<Json(const Json&)> change;
};

TEST(DescriptionJsonTest, TracksOfTheWrongTypeRangeOrSizeAreRefused) {
  const Json valid = DescriptionJson::track(chromeVideo());
  ASSERT_TRUE(DescriptionJson::readTrack(valid));
  const std::string longText(257, 'x');
  auto codecs = [](size_t n) {
    Json list = Json::array();
    for (size_t i = 0; i < n; ++i) {
      const Json one = DescriptionJson::track(opusAudio());
      list.push(one.find("codecs")->at(0));
    }
    return list;
  };
  const std::vector<Case> cases{
      {"not an object", [](const Json&) { return Json::array({Json(1)}); }},
      {"kind missing", [](const Json& j) { return without(j, "kind"); }},
      {"kind unknown", [](const Json& j) { return with(j, "kind", "application"); }},
      {"kind a number", [](const Json& j) { return with(j, "kind", 1); }},
      {"mid a number", [](const Json& j) { return with(j, "mid", 1); }},
      {"mid too long", [&](const Json& j) { return with(j, "mid", longText); }},
      {"cname too long", [&](const Json& j) { return with(j, "cname", longText); }},
      {"cname missing", [](const Json& j) { return without(j, "cname"); }},
      {"nack a string", [](const Json& j) { return with(j, "nack", "true"); }},
      {"remb missing", [](const Json& j) { return without(j, "remb"); }},
      {"transportCc a number", [](const Json& j) { return with(j, "transportCc", 1); }},
      {"codecs empty", [](const Json& j) { return with(j, "codecs", Json::array()); }},
      {"codecs an object", [](const Json& j) { return with(j, "codecs", Json::object()); }},
      {"33 codecs", [&](const Json& j) { return with(j, "codecs", codecs(33)); }},
      {"codec not an object",
       [](const Json& j) { return with(j, "codecs", Json::array({Json("VP8")})); }},
      {"payload type 128", [](const Json& j) { return withItemMember(j, "codecs", 0, "pt", 128); }},
      {"payload type -1", [](const Json& j) { return withItemMember(j, "codecs", 1, "pt", -1); }},
      {"payload type a string",
       [](const Json& j) { return withItemMember(j, "codecs", 0, "pt", "96"); }},
      {"codec name too long",
       [&](const Json& j) { return withItemMember(j, "codecs", 0, "name", longText); }},
      {"clock rate above 1 MHz",
       [](const Json& j) { return withItemMember(j, "codecs", 0, "rate", 1000001); }},
      {"9 channels", [](const Json& j) { return withItemMember(j, "codecs", 0, "channels", 9); }},
      {"params an array",
       [](const Json& j) { return withItemMember(j, "codecs", 0, "params", Json::array()); }},
      {"param value a number",
       [](const Json& j) {
         return withItemMember(j, "codecs", 0, "params", Json::object({{"max-fr", 30}}));
       }},
      {"param value too long",
       [&](const Json& j) {
         return withItemMember(j, "codecs", 0, "params", Json::object({{"a", longText}}));
       }},
      {"param key too long",
       [&](const Json& j) {
         Json params = Json::object();
         params.set(longText, Json("1"));
         return withItemMember(j, "codecs", 0, "params", params);
       }},
      {"33 params",
       [](const Json& j) {
         Json params = Json::object();
         for (int i = 0; i < 33; ++i) params.set("p" + std::to_string(i), Json("1"));
         return withItemMember(j, "codecs", 0, "params", params);
       }},
      {"feedback item a number",
       [](const Json& j) {
         return withItemMember(j, "codecs", 0, "feedback", Json::array({Json(1)}));
       }},
      {"feedback item too long",
       [&](const Json& j) {
         return withItemMember(j, "codecs", 0, "feedback", Json::array({Json(longText)}));
       }},
      {"rtx pair of one",
       [](const Json& j) { return with(j, "rtx", Json::array({Json::array({Json(97)})})); }},
      {"rtx payload type 128",
       [](const Json& j) {
         return with(j, "rtx", Json::array({Json::array({Json(128), Json(96)})}));
       }},
      {"rtx of a string",
       [](const Json& j) {
         return with(j, "rtx", Json::array({Json::array({Json(97), Json("96")})}));
       }},
      {"ext of 6",
       [](const Json& j) {
         return with(j, "ext", Json::array({1, 2, 3, 0, 13, 10}));
       }},
      {"ext of 8",
       [](const Json& j) {
         return with(j, "ext", Json::array({1, 2, 3, 0, 13, 10, 11, 12}));
       }},
      {"ext id 256",
       [](const Json& j) {
         return with(j, "ext", Json::array({1, 2, 3, 0, 13, 10, 256}));
       }},
      {"ext id a string",
       [](const Json& j) {
         return with(j, "ext", Json::array({1, 2, 3, 0, 13, 10, "11"}));
       }},
      {"ext missing", [](const Json& j) { return without(j, "ext"); }},
      {"extmap id 256", [](const Json& j) { return withItemMember(j, "extmaps", 0, "id", 256); }},
      {"extmap uri too long",
       [&](const Json& j) { return withItemMember(j, "extmaps", 0, "uri", longText); }},
      {"extmap direction 4",
       [](const Json& j) { return withItemMember(j, "extmaps", 0, "direction", 4); }},
      {"extmap direction a string",
       [](const Json& j) { return withItemMember(j, "extmaps", 0, "direction", "sendrecv"); }},
      {"extmap attributes missing",
       [](const Json& j) {
         Json copy = j;
         Json items = Json::array();
         for (const auto& e : j.find("extmaps")->items()) items.push(without(e, "attributes"));
         copy.set("extmaps", items);
         return copy;
       }},
      {"layer ssrc above 32 bits",
       [](const Json& j) { return withItemMember(j, "layers", 0, "ssrc", 0x100000000LL); }},
      {"layer rtx ssrc negative",
       [](const Json& j) { return withItemMember(j, "layers", 1, "rtx", -1); }},
      {"layer rid too long",
       [&](const Json& j) { return withItemMember(j, "layers", 2, "rid", longText); }},
      {"33 layers",
       [](const Json& j) {
         Json layers = Json::array();
         for (int i = 0; i < 33; ++i)
           layers.push(Json::object({{"ssrc", i + 1}, {"rtx", 0}, {"rid", ""}}));
         return with(j, "layers", layers);
       }},
  };
  for (const auto& c : cases) {
    const Json changed = c.change(valid);
    EXPECT_FALSE(DescriptionJson::readTrack(changed)) << c.what << ": " << changed.dump();
    // Also as text: what a node receives.
    auto parsed = Json::parse(changed.dump());
    ASSERT_TRUE(parsed) << c.what;
    EXPECT_FALSE(DescriptionJson::readTrack(*parsed)) << c.what;
  }
}

TEST(DescriptionJsonTest, TheBoundsThemselvesAreAccepted) {
  const Json valid = DescriptionJson::track(chromeVideo());
  const std::string longest(256, 'y');
  auto back = DescriptionJson::readTrack(withItemMember(valid, "codecs", 0, "pt", 127));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->codecs[0].payloadType, 127);
  back = DescriptionJson::readTrack(with(valid, "mid", longest));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->mid, longest);
  back = DescriptionJson::readTrack(withItemMember(valid, "codecs", 0, "channels", 8));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->codecs[0].channels, 8u);
  back = DescriptionJson::readTrack(withItemMember(valid, "extmaps", 0, "direction", 3));
  ASSERT_TRUE(back && back->extmaps[0].direction);
  EXPECT_EQ(*back->extmaps[0].direction, sdp::Direction::Inactive);

  TrackDescription many = opusAudio();
  many.codecs.clear();
  for (uint8_t pt = 96; pt < 96 + 32; ++pt) many.codecs.push_back(testsupport::opus(pt));
  back = throughText(many);
  ASSERT_TRUE(back) << "32 codecs";
  EXPECT_EQ(back->codecs.size(), 32u);
  EXPECT_EQ(back->codecs.back().payloadType, 127);
}

TEST(DescriptionJsonTest, TransportsOfTheWrongTypeOrSizeAreRefused) {
  TransportDescription t;
  t.iceUfrag = "ufrg";
  t.icePassword = "passwordpasswordpassword";
  t.fingerprintHash = "sha-256";
  t.fingerprint = "AB:CD";
  const Json valid = DescriptionJson::transport(t);
  ASSERT_TRUE(DescriptionJson::readTransport(valid));
  const std::string longText(257, 'x');
  const std::vector<Case> cases{
      {"not an object", [](const Json&) { return Json("transport"); }},
      {"role unknown", [](const Json& j) { return with(j, "role", "actpass"); }},
      {"role missing", [](const Json& j) { return without(j, "role"); }},
      {"role a bool", [](const Json& j) { return with(j, "role", true); }},
      {"ufrag a number", [](const Json& j) { return with(j, "ufrag", 1234); }},
      {"ufrag missing", [](const Json& j) { return without(j, "ufrag"); }},
      {"password too long", [&](const Json& j) { return with(j, "password", longText); }},
      {"hash missing", [](const Json& j) { return without(j, "hash"); }},
      {"fingerprint too long", [&](const Json& j) { return with(j, "fingerprint", longText); }},
      {"fingerprint null", [](const Json& j) { return with(j, "fingerprint", nullptr); }},
  };
  for (const auto& c : cases)
    EXPECT_FALSE(DescriptionJson::readTransport(c.change(valid))) << c.what;
}

}  // namespace
}  // namespace parley::media
