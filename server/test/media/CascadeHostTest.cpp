// The node that hosts subscriber transports for sessions other nodes own (CascadeHost): the
// commands the owner sends (as Sfu writes them) run on real workers, in routers of the owner's
// own; malformed commands, and commands naming what another owner made, change nothing; what
// happens to a hosted subscription goes back to its owner.
#include "media/CascadeHost.h"

#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "MediaTestSupport.h"
#include "media/Consumer.h"
#include "media/DescriptionJson.h"
#include "media/NodeLink.h"
#include "media/Publication.h"
#include "media/Router.h"
#include "media/Subscription.h"
#include "media/Worker.h"
#include "media/dtls/DtlsCertificate.h"

namespace parley::media {
namespace {

using core::Json;

// What the workers report, from their threads.
class RecordingEvents final : public WorkerEvents {
 public:
  struct Closed {
    std::string routerKey;
    std::string subscriberId;
    std::string reason;
  };
  void publicationConnected(const std::string&, const std::string&) override {}
  void publicationClosed(const std::string&, const std::string&, const std::string&) override {}
  void subscriptionConnected(const std::string&, const std::string&) override {}
  void subscriptionClosed(const std::string& key, const std::string& subscriber,
                          const std::string& reason) override {
    std::lock_guard lock(mutex_);
    closed_.push_back({key, subscriber, reason});
  }
  std::vector<Closed> closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  std::mutex mutex_;
  std::vector<Closed> closed_;
};

// The cluster as the host sees it: only send() is used, and recorded.
class RecordingLink final : public NodeLink {
 public:
  std::optional<RemoteWorker> pickWorker(const std::map<std::string, unsigned>&,
                                         const std::string&) override {
    return std::nullopt;
  }
  std::optional<RemoteWorker> findWorker(const std::string&, unsigned) override {
    return std::nullopt;
  }
  bool send(const std::string& nodeId, const Json& message) override {
    sent.emplace_back(nodeId, message);
    return true;
  }
  std::vector<std::pair<std::string, Json>> sent;
};

// Opus, and VP8 + H.264 with RTX in three RID layers, as a publisher's negotiated tracks.
std::vector<TrackDescription> publishedTracks() {
  auto audio =
      testsupport::track(sdp::MediaKind::Audio, "0", {testsupport::opus(111)}, {{0x3000, 0, ""}});
  auto video = testsupport::track(
      sdp::MediaKind::Video, "1",
      {testsupport::codec(96, "VP8", 90000), testsupport::codec(102, "H264", 90000)},
      {{0, 0, "q"}, {0, 0, "h"}, {0, 0, "f"}});
  video.rtxPayloads = {{97, 96}, {103, 102}};
  video.extmaps.push_back({10, std::nullopt, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", ""});
  video.ext.rid = 10;
  video.nack = video.pli = true;
  return {audio, video};
}

Json tracksJson() {
  Json tracks = Json::array();
  for (const auto& t : publishedTracks()) tracks.push(DescriptionJson::track(t));
  return tracks;
}

const std::string kKeyHex(56, 'a');  // NodePipeCodec::kKeySize bytes
const std::string kFeedbackKeyHex(56, 'b');

// The commands as Sfu::ensureRemoteMirror and Sfu::subscribe write them.
Json mirrorCommand(const std::string& session, const std::string& stream, long long worker,
                   long long pipe) {
  return Json::object({{"type", "mirror"},
                       {"session", session},
                       {"stream", stream},
                       {"worker", worker},
                       {"pipe", pipe},
                       {"key", kKeyHex},
                       {"feedbackPipe", pipe + 1},
                       {"feedbackKey", kFeedbackKeyHex},
                       {"originIp", "127.0.0.1"},
                       {"originPort", 9},
                       {"tracks", tracksJson()}});
}

Json subscribeCommand(const std::string& session, const std::string& stream,
                      const std::string& subscriber, long long worker) {
  return Json::object({{"type", "subscribe"},
                       {"session", session},
                       {"stream", stream},
                       {"subscriber", subscriber},
                       {"worker", worker},
                       {"ssrcs", Json::array({1111, 2222})},
                       {"trackIds", Json::array({"track-audio", "track-video"})},
                       {"ufrag", "ufrg1234"},
                       {"password", "abcdefghijklmnopqrstuvwx"},
                       {"audio", true},
                       {"video", false}});
}

// A subscriber command: "remote", the settings, "unsubscribe".
Json subscriberCommand(const std::string& type, const std::string& session,
                       const std::string& subscriber,
                       std::initializer_list<std::pair<std::string_view, Json>> more = {}) {
  Json c = Json::object({{"type", type}, {"session", session}, {"subscriber", subscriber}});
  for (const auto& [k, v] : more) c.set(k, v);
  return c;
}

Json remoteCommand(const std::string& session, const std::string& subscriber) {
  TransportDescription remote;
  remote.iceUfrag = "brws";
  remote.icePassword = "browserpasswordbrowserpw";
  remote.fingerprintHash = "sha-256";
  remote.fingerprint = "AB:CD:EF";
  return subscriberCommand(
      "remote", session, subscriber,
      {{"remote", DescriptionJson::transport(remote)},
       {"restart", false},
       {"fromOffer", false},
       {"ufrag", "ufrg1234"},
       {"password", "abcdefghijklmnopqrstuvwx"},
       {"payloadTypes", Json::object({{"0", Json::array({111})}, {"1", Json::array({96})}})}});
}

// As Sfu::placeRemotePublication writes it: the publisher's transport here, its stream
// piped to the owner's worker.
Json publishCommand(const std::string& session, const std::string& stream, long long worker,
                    long long pipe) {
  TransportDescription remote;
  remote.iceUfrag = "pubr";
  remote.icePassword = "publisherpasswordpubpwd";
  remote.fingerprintHash = "sha-256";
  remote.fingerprint = "AB:CD:EF";
  return Json::object({{"type", "publish"},
                       {"session", session},
                       {"stream", stream},
                       {"worker", worker},
                       {"ufrag", "ufrg5678"},
                       {"password", "abcdefghijklmnopqrstuvwx"},
                       {"remote", DescriptionJson::transport(remote)},
                       {"tracks", tracksJson()},
                       {"pipe", pipe},
                       {"key", kKeyHex},
                       {"feedbackPipe", pipe + 1},
                       {"feedbackKey", kFeedbackKeyHex},
                       {"targetIp", "127.0.0.1"},
                       {"targetPort", 9}});
}

Json streamCommand(const std::string& type, const std::string& session, const std::string& stream,
                   std::initializer_list<std::pair<std::string_view, Json>> more = {}) {
  Json c = Json::object({{"type", type}, {"session", session}, {"stream", stream}});
  for (const auto& [k, v] : more) c.set(k, v);
  return c;
}

Json with(Json json, std::string_view key, Json value) {
  json.set(key, std::move(value));
  return json;
}

Json without(Json json, std::string_view key) {
  EXPECT_TRUE(json.erase(key)) << key;
  return json;
}

// What a worker holds of one hosted router, read on its thread.
struct Seen {
  bool router = false;
  bool mirror = false;        // the stream's publication there, a mirror
  bool subscription = false;  // the subscriber's subscription there
  bool audioEnabled = false;
  bool videoEnabled = false;
  uint32_t audioSsrc = 0;
  std::string videoTrackId;
  bool videoAccepts96 = false;
  bool videoAccepts102 = false;
  uint8_t maxTemporalLayer = 0;
  size_t routers = 0;
  bool published = false;  // the stream's publication there, with a publisher's transport
  bool videoPaused = false;
  size_t sinks = 0;  // what the publication feeds (a node pipe to the owner, say)
};

class CascadeHostTest : public ::testing::Test {
 protected:
  CascadeHostTest() {
    // The mirrors here are fed by nothing: the workers must not find them starved, however
    // slowly a test runs (starvation has a test of its own, NodePipeTest).
    Worker::Settings settings;
    settings.mirrorStarvedAfterUs = 3600'000'000;
    for (unsigned i = 0; i < 2; ++i) {
      workers_.push_back(std::make_unique<Worker>(i, settings, events_));
      workers_.back()->start();
    }
    host_.setLink(&link_);
  }
  ~CascadeHostTest() override {
    host_.keepOwners({});
    for (auto& w : workers_) w->stop();
  }

  // Runs on the worker after everything posted to it so far (its queue is in order).
  Seen seen(unsigned worker, const std::string& key, const std::string& stream = "cam",
            const std::string& subscriber = "sub") {
    Worker& w = *workers_[worker];
    std::promise<Seen> done;
    w.post([&] {
      Seen s;
      s.routers = w.routers().size();
      if (Router* r = w.findRouter(key)) {
        s.router = true;
        Publication* p = r->publication(stream);
        s.mirror = p && p->mirrored();
        s.published = p && p->hasTransport();
        if (p) {
          s.sinks = r->sinkCount(*p);
          if (Producer* v = p->producer(sdp::MediaKind::Video)) s.videoPaused = v->paused();
        }
        if (Subscription* sub = r->subscription(subscriber)) {
          s.subscription = true;
          if (Consumer* a = sub->consumer(sdp::MediaKind::Audio)) {
            s.audioEnabled = a->enabled();
            s.audioSsrc = a->ssrc();
          }
          if (Consumer* v = sub->consumer(sdp::MediaKind::Video)) {
            s.videoEnabled = v->enabled();
            s.videoTrackId = v->trackId();
            s.videoAccepts96 = v->acceptsPayloadType(96);
            s.videoAccepts102 = v->acceptsPayloadType(102);
            s.maxTemporalLayer = v->maxTemporalLayer();
          }
        }
      }
      done.set_value(s);
    });
    return done.get_future().get();
  }

  size_t routersOn(unsigned worker) { return seen(worker, "").routers; }

  RecordingEvents events_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::shared_ptr<const dtls::DtlsCertificate> certificate_ = dtls::DtlsCertificate::generate();
  RecordingLink link_;
  CascadeHost host_{workers_, certificate_};
  const std::string keyA_ = CascadeHost::routerKey("node-a", "s1");
};

TEST_F(CascadeHostTest, TheRouterKeyNamesTheOwnerAndTheSession) {
  EXPECT_EQ(keyA_, "node:node-a/s1");
}

TEST_F(CascadeHostTest, MalformedMirrorsAreRefusedAndMakeNothing) {
  const Json valid = mirrorCommand("s1", "cam", 0, 7);
  const std::vector<std::pair<const char*, Json>> cases{
      {"no type", without(valid, "type")},
      {"unknown type", with(valid, "type", "dance")},
      {"type a number", with(valid, "type", 1)},
      {"no session", without(valid, "session")},
      {"empty session", with(valid, "session", "")},
      {"session too long", with(valid, "session", std::string(201, 's'))},
      {"no stream", without(valid, "stream")},
      {"no worker", without(valid, "worker")},
      {"worker out of range", with(valid, "worker", 2)},
      {"worker negative", with(valid, "worker", -1)},
      {"worker a string", with(valid, "worker", "0")},
      {"pipe 0", with(valid, "pipe", 0)},
      {"pipe above 32 bits", with(valid, "pipe", 0x100000000LL)},
      {"no feedback pipe", without(valid, "feedbackPipe")},
      {"key not hex", with(valid, "key", "zz" + std::string(54, 'a'))},
      {"key one byte short", with(valid, "key", std::string(54, 'a'))},
      {"key one byte long", with(valid, "key", std::string(58, 'a'))},
      {"key of an odd length", with(valid, "key", std::string(55, 'a'))},
      {"no feedback key", without(valid, "feedbackKey")},
      {"feedback key short", with(valid, "feedbackKey", std::string(32, 'b'))},
      {"origin port 0", with(valid, "originPort", 0)},
      {"origin port 65536", with(valid, "originPort", 65536)},
      {"origin ip not an address", with(valid, "originIp", "origin.example")},
      {"no tracks", without(valid, "tracks")},
      {"tracks empty", with(valid, "tracks", Json::array())},
      {"tracks an object", with(valid, "tracks", Json::object())},
      {"a track malformed", with(valid, "tracks", Json::array({Json::object({{"kind", "x"}})}))},
      {"17 tracks", with(valid, "tracks",
                         [] {
                           Json many = Json::array();
                           for (int i = 0; i < 17; ++i) many.push(tracksJson().at(0));
                           return many;
                         }())},
  };
  for (const auto& [what, command] : cases) {
    EXPECT_FALSE(host_.handle("node-a", command)) << what;
    EXPECT_EQ(host_.mirrorCount(), 0u) << what;
    EXPECT_FALSE(host_.hosts(keyA_)) << what;
  }
  EXPECT_EQ(routersOn(0), 0u);
  EXPECT_EQ(routersOn(1), 0u);
  // The unchanged command is taken: each refusal above was its change's doing.
  EXPECT_TRUE(host_.handle("node-a", valid));
  EXPECT_EQ(host_.mirrorCount(), 1u);
  EXPECT_TRUE(seen(0, keyA_).mirror);
}

TEST_F(CascadeHostTest, ASubscriptionNeedsAMirrorItsOwnerMadeFirst) {
  // Nothing mirrored yet.
  EXPECT_FALSE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 0)));
  EXPECT_EQ(host_.subscriptionCount(), 0u);
  EXPECT_FALSE(host_.hosts(keyA_));
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 7)));
  // Another stream, another session, or the mirror's stream on another worker: no.
  EXPECT_FALSE(host_.handle("node-a", subscribeCommand("s1", "other", "sub", 0)));
  EXPECT_FALSE(host_.handle("node-a", subscribeCommand("s2", "cam", "sub", 0)));
  EXPECT_FALSE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 1)));
  EXPECT_EQ(host_.subscriptionCount(), 0u);
  EXPECT_FALSE(seen(0, keyA_).subscription);
  EXPECT_EQ(routersOn(1), 0u);
}

TEST_F(CascadeHostTest, OwnersNeverShareAKey) {
  // "a" + session "b/c" and "a/b" + session "c" would both be "node:a/b/c": an id with '/'
  // (no node's, --node-id forbids it) commands nothing.
  ASSERT_TRUE(host_.handle("a", mirrorCommand("b/c", "cam", 0, 7)));
  EXPECT_FALSE(host_.handle("a/b", mirrorCommand("c", "cam", 0, 8)));
  EXPECT_FALSE(host_.handle(
      "a/b", Json::object({{"type", "unmirror"}, {"session", "c"}, {"stream", "cam"}})));
  EXPECT_EQ(host_.mirrorCount(), 1u);
  EXPECT_TRUE(seen(0, CascadeHost::routerKey("a", "b/c")).mirror);
}

TEST_F(CascadeHostTest, ARefusedSubscriptionIsReportedClosedToItsOwner) {
  // No mirror: the owner hears at once that this subscription will not be made.
  EXPECT_FALSE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 0)));
  ASSERT_EQ(link_.sent.size(), 1u);
  EXPECT_EQ(link_.sent[0].first, "node-a");
  EXPECT_EQ(link_.sent[0].second.getString("type"), "closed");
  EXPECT_EQ(link_.sent[0].second.getString("session"), "s1");
  EXPECT_EQ(link_.sent[0].second.getString("subscriber"), "sub");
  // A refused command of another kind says nothing.
  EXPECT_FALSE(host_.handle(
      "node-a", Json::object({{"type", "unsubscribe"}, {"session", "s1"}, {"subscriber", "sub"}})));
  EXPECT_EQ(link_.sent.size(), 1u);
}

TEST_F(CascadeHostTest, MalformedSubscriptionsAreRefused) {
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 7)));
  const Json valid = subscribeCommand("s1", "cam", "sub", 0);
  const std::vector<std::pair<const char*, Json>> cases{
      {"no subscriber", without(valid, "subscriber")},
      {"worker out of range", with(valid, "worker", 2)},
      {"ufrag of 3", with(valid, "ufrag", "abc")},
      {"ufrag of 65", with(valid, "ufrag", std::string(65, 'u'))},
      {"password of 21", with(valid, "password", std::string(21, 'p'))},
      {"no audio flag", without(valid, "audio")},
      {"video flag a string", with(valid, "video", "false")},
      {"ssrcs and track ids of other lengths", with(valid, "ssrcs", Json::array({1111}))},
      {"ssrc 0", with(valid, "ssrcs", Json::array({0, 2222}))},
      {"ssrc above 32 bits", with(valid, "ssrcs", Json::array({1111, 0x100000000LL}))},
      {"track id a number", with(valid, "trackIds", Json::array({"track-audio", 5}))},
      {"ssrcs not an array", with(valid, "ssrcs", 1111)},
  };
  for (const auto& [what, command] : cases) {
    EXPECT_FALSE(host_.handle("node-a", command)) << what;
    EXPECT_EQ(host_.subscriptionCount(), 0u) << what;
  }
  EXPECT_FALSE(seen(0, keyA_).subscription);
  EXPECT_TRUE(host_.handle("node-a", valid));
  EXPECT_EQ(host_.subscriptionCount(), 1u);
}

TEST_F(CascadeHostTest, AnotherNodeCannotUseOrRemoveWhatTheOwnerMade) {
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 7)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 0)));
  // node-b names node-a's session, stream and subscriber: none of it is its own.
  EXPECT_FALSE(host_.handle("node-b", subscribeCommand("s1", "cam", "sub2", 0)));
  EXPECT_FALSE(host_.handle("node-b", subscribeCommand("s1", "cam", "sub", 0)));
  EXPECT_FALSE(host_.handle("node-b", remoteCommand("s1", "sub")));
  EXPECT_FALSE(host_.handle(
      "node-b", subscriberCommand("track", "s1", "sub", {{"kind", "audio"}, {"active", false}})));
  EXPECT_FALSE(host_.handle("node-b", subscriberCommand("unsubscribe", "s1", "sub")));
  EXPECT_FALSE(host_.handle(
      "node-b", Json::object({{"type", "unmirror"}, {"session", "s1"}, {"stream", "cam"}})));
  EXPECT_FALSE(host_.hosts(CascadeHost::routerKey("node-b", "s1")));
  EXPECT_EQ(host_.mirrorCount(), 1u);
  EXPECT_EQ(host_.subscriptionCount(), 1u);
  const Seen s = seen(0, keyA_);
  EXPECT_TRUE(s.mirror);
  EXPECT_TRUE(s.subscription);
  EXPECT_TRUE(s.audioEnabled) << "node-b's track command reached node-a's subscription";
  EXPECT_EQ(s.routers, 1u);
}

TEST_F(CascadeHostTest, AMirrorAndASubscriptionToItAreMadeOnTheNamedWorker) {
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 1, 7)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 1)));
  EXPECT_TRUE(host_.hosts(keyA_));
  EXPECT_EQ(host_.mirrorCount(), 1u);
  EXPECT_EQ(host_.subscriptionCount(), 1u);
  Seen s = seen(1, keyA_);
  EXPECT_TRUE(s.router);
  EXPECT_TRUE(s.mirror);
  ASSERT_TRUE(s.subscription);
  EXPECT_EQ(s.routers, 1u);
  EXPECT_EQ(s.audioSsrc, 1111u);
  EXPECT_EQ(s.videoTrackId, "track-video");
  EXPECT_TRUE(s.audioEnabled);
  EXPECT_FALSE(s.videoEnabled);  // subscribed with video off
  EXPECT_TRUE(s.videoAccepts102) << "every payload type until the answer says";
  EXPECT_EQ(s.maxTemporalLayer, Consumer::kAllTemporalLayers);
  EXPECT_EQ(routersOn(0), 0u);
  EXPECT_FALSE(seen(0, keyA_).router);
  // Not the session this node would own under the same id.
  EXPECT_FALSE(seen(1, "s1").router);
}

TEST_F(CascadeHostTest, TheOwnersSettingsReachTheHostedSubscription) {
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 7)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 0)));
  EXPECT_TRUE(host_.handle(
      "node-a", subscriberCommand("track", "s1", "sub", {{"kind", "video"}, {"active", true}})));
  EXPECT_TRUE(host_.handle(
      "node-a", subscriberCommand("track", "s1", "sub", {{"kind", "audio"}, {"active", false}})));
  EXPECT_TRUE(host_.handle(
      "node-a", subscriberCommand("frameRate", "s1", "sub", {{"fps", 12}, {"restricted", false}})));
  EXPECT_TRUE(host_.handle(
      "node-a", subscriberCommand("size", "s1", "sub",
                                  {{"width", 320}, {"height", 180}, {"fullWidth", 1280}})));
  EXPECT_TRUE(
      host_.handle("node-a", subscriberCommand("fallback", "s1", "sub", {{"allowed", true}})));
  EXPECT_TRUE(host_.handle("node-a", remoteCommand("s1", "sub")));
  const Seen s = seen(0, keyA_);
  ASSERT_TRUE(s.subscription);
  EXPECT_TRUE(s.videoEnabled);
  EXPECT_FALSE(s.audioEnabled);
  EXPECT_EQ(s.maxTemporalLayer, 1);  // 12 fps: two of Chrome's three temporal layers
  EXPECT_TRUE(s.videoAccepts96);
  EXPECT_FALSE(s.videoAccepts102) << "the answer kept VP8 only";

  // Settings out of range, or for a subscriber that is not there, change nothing.
  EXPECT_FALSE(host_.handle(
      "node-a", subscriberCommand("track", "s1", "sub", {{"kind", "data"}, {"active", true}})));
  EXPECT_FALSE(host_.handle(
      "node-a", subscriberCommand("track", "s1", "sub", {{"kind", "audio"}, {"active", 1}})));
  EXPECT_FALSE(host_.handle(
      "node-a", subscriberCommand("frameRate", "s1", "sub", {{"fps", -1}, {"restricted", false}})));
  EXPECT_FALSE(host_.handle("node-a", subscriberCommand("frameRate", "s1", "sub",
                                                        {{"fps", 1001}, {"restricted", false}})));
  EXPECT_FALSE(host_.handle(
      "node-a", subscriberCommand("size", "s1", "sub",
                                  {{"width", 100001}, {"height", 180}, {"fullWidth", 1280}})));
  EXPECT_FALSE(host_.handle("node-a", subscriberCommand("fallback", "s1", "sub", {})));
  EXPECT_FALSE(host_.handle(
      "node-a", subscriberCommand("track", "s1", "nobody", {{"kind", "audio"}, {"active", true}})));
  EXPECT_FALSE(host_.handle(
      "node-a", with(remoteCommand("s1", "sub"), "remote", Json::object({{"role", "actpass"}}))));
  EXPECT_FALSE(host_.handle("node-a", with(remoteCommand("s1", "sub"), "payloadTypes",
                                           Json::object({{"1", Json::array({128})}}))));
  EXPECT_FALSE(host_.handle("node-a", without(remoteCommand("s1", "sub"), "restart")));
  const Seen after = seen(0, keyA_);
  EXPECT_FALSE(after.audioEnabled);
  EXPECT_EQ(after.maxTemporalLayer, 1);
  EXPECT_FALSE(after.videoAccepts102);
}

TEST_F(CascadeHostTest, UnsubscribeAndUnmirrorTakeThemAwayAndTheRouterWithThem) {
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 7)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 0)));
  // The same subscriber again replaces it: still one.
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 0)));
  EXPECT_EQ(host_.subscriptionCount(), 1u);
  EXPECT_TRUE(seen(0, keyA_).subscription);

  EXPECT_TRUE(host_.handle("node-a", subscriberCommand("unsubscribe", "s1", "sub")));
  EXPECT_EQ(host_.subscriptionCount(), 0u);
  EXPECT_FALSE(host_.handle("node-a", subscriberCommand("unsubscribe", "s1", "sub")));
  Seen s = seen(0, keyA_);
  EXPECT_FALSE(s.subscription);
  EXPECT_TRUE(s.mirror);
  EXPECT_TRUE(host_.hosts(keyA_)) << "the mirror is still there";
  // Settings for a subscriber that went are refused.
  EXPECT_FALSE(host_.handle("node-a", remoteCommand("s1", "sub")));

  const Json unmirror = Json::object({{"type", "unmirror"}, {"session", "s1"}, {"stream", "cam"}});
  EXPECT_TRUE(host_.handle("node-a", unmirror));
  EXPECT_EQ(host_.mirrorCount(), 0u);
  EXPECT_FALSE(host_.hosts(keyA_));
  EXPECT_FALSE(host_.handle("node-a", unmirror));
  s = seen(0, keyA_);
  EXPECT_FALSE(s.router);
  EXPECT_EQ(s.routers, 0u);
}

TEST_F(CascadeHostTest, AStreamMirroredAgainIsReplacedNotAddedTo) {
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 7)));
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 21)));
  EXPECT_EQ(host_.mirrorCount(), 1u);
  EXPECT_TRUE(seen(0, keyA_).mirror) << "the old mirror's removal took the new one";
  // The host removes the mirror by the pipe it has now: the router goes.
  ASSERT_TRUE(host_.handle(
      "node-a", Json::object({{"type", "unmirror"}, {"session", "s1"}, {"stream", "cam"}})));
  EXPECT_FALSE(seen(0, keyA_).router);
  // Moved to the other worker: it leaves the first.
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 30)));
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 1, 32)));
  EXPECT_EQ(host_.mirrorCount(), 1u);
  EXPECT_FALSE(seen(0, keyA_).router);
  EXPECT_TRUE(seen(1, keyA_).mirror);
}

TEST_F(CascadeHostTest, KeepOwnersDropsWhatLeftNodesMade) {
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 7)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 0)));
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s2", "cam", 1, 9)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s2", "cam", "sub", 1)));
  const std::string keyB = CascadeHost::routerKey("node-b", "s1");
  ASSERT_TRUE(host_.handle("node-b", mirrorCommand("s1", "cam", 0, 11)));
  ASSERT_TRUE(host_.handle("node-b", subscribeCommand("s1", "cam", "sub", 0)));
  EXPECT_EQ(host_.mirrorCount(), 3u);
  EXPECT_EQ(host_.subscriptionCount(), 3u);
  EXPECT_EQ(routersOn(0), 2u);

  host_.keepOwners({"node-b", "node-c"});
  EXPECT_EQ(host_.mirrorCount(), 1u);
  EXPECT_EQ(host_.subscriptionCount(), 1u);
  EXPECT_FALSE(host_.hosts(keyA_));
  EXPECT_FALSE(host_.hosts(CascadeHost::routerKey("node-a", "s2")));
  EXPECT_TRUE(host_.hosts(keyB));
  EXPECT_FALSE(seen(0, keyA_).router);
  EXPECT_FALSE(seen(1, CascadeHost::routerKey("node-a", "s2")).router);
  const Seen b = seen(0, keyB);
  EXPECT_TRUE(b.mirror);
  EXPECT_TRUE(b.subscription);
  // What node-a made is gone for its commands too.
  EXPECT_FALSE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub2", 0)));

  host_.keepOwners({});
  EXPECT_EQ(host_.mirrorCount(), 0u);
  EXPECT_EQ(host_.subscriptionCount(), 0u);
  EXPECT_FALSE(host_.hosts(keyB));
  EXPECT_EQ(routersOn(0), 0u);
  EXPECT_EQ(routersOn(1), 0u);
  EXPECT_FALSE(host_.handle("node-b", subscribeCommand("s1", "cam", "sub2", 0)));
  // Dropping for a node that left tells it nothing; only the two refused subscriptions
  // were reported closed.
  ASSERT_EQ(link_.sent.size(), 2u);
  for (const auto& [node, message] : link_.sent) {
    EXPECT_EQ(message.getString("type"), "closed");
    EXPECT_EQ(message.getString("subscriber"), "sub2");
  }
}

TEST_F(CascadeHostTest, AClosedSubscriptionIsReportedToItsOwnerOnce) {
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 7)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 0)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "other", 0)));
  // News of what is not hosted, or not a hosted subscriber, goes nowhere.
  host_.subscriptionClosed(CascadeHost::routerKey("node-b", "s1"), "sub", "ice timeout");
  host_.subscriptionClosed(keyA_, "nobody", "ice timeout");
  host_.subscriptionClosed("s1", "sub", "ice timeout");
  EXPECT_TRUE(link_.sent.empty());

  host_.subscriptionClosed(keyA_, "sub", "ice timeout");
  ASSERT_EQ(link_.sent.size(), 1u);
  EXPECT_EQ(link_.sent[0].first, "node-a");
  const Json& m = link_.sent[0].second;
  EXPECT_EQ(m.getString("type"), "closed");
  EXPECT_EQ(m.getString("session"), "s1");
  EXPECT_EQ(m.getString("subscriber"), "sub");
  EXPECT_EQ(m.getString("reason"), "ice timeout");
  EXPECT_EQ(host_.subscriptionCount(), 1u);
  EXPECT_FALSE(seen(0, keyA_, "cam", "sub").subscription);
  EXPECT_TRUE(seen(0, keyA_, "cam", "other").subscription);

  // The worker's report of the same close, arriving again: nothing more is sent.
  host_.subscriptionClosed(keyA_, "sub", "ice timeout");
  EXPECT_EQ(link_.sent.size(), 1u);
  EXPECT_FALSE(host_.handle("node-a", remoteCommand("s1", "sub")));

  // Video suspended on the other one: the owner hears of it, with the flag.
  host_.subscriptionVideoSuspended(keyA_, "other", true);
  ASSERT_EQ(link_.sent.size(), 2u);
  EXPECT_EQ(link_.sent[1].first, "node-a");
  EXPECT_EQ(link_.sent[1].second.getString("type"), "suspended");
  EXPECT_EQ(link_.sent[1].second.getString("subscriber"), "other");
  EXPECT_EQ(link_.sent[1].second.getBool("suspended"), true);

  host_.subscriptionClosed(keyA_, "other", "closed");
  EXPECT_EQ(link_.sent.size(), 3u);
  EXPECT_EQ(host_.subscriptionCount(), 0u);
  EXPECT_TRUE(host_.hosts(keyA_)) << "the mirror stays until the owner unmirrors it";
  ASSERT_TRUE(host_.handle(
      "node-a", Json::object({{"type", "unmirror"}, {"session", "s1"}, {"stream", "cam"}})));
  EXPECT_EQ(host_.mirrorCount(), 0u);
  EXPECT_FALSE(host_.hosts(keyA_));
  EXPECT_EQ(routersOn(0), 0u);
}

TEST_F(CascadeHostTest, ASubscriptionToAMirrorTheWorkerCouldNotMakeIsReportedClosed) {
  // node-b's mirror names the pipe id node-a's already holds on that worker: the host takes
  // the command, the worker refuses the pipe, and the subscription finds no stream.
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 7)));
  ASSERT_TRUE(host_.handle("node-b", mirrorCommand("s1", "cam", 0, 7)));
  ASSERT_TRUE(host_.handle("node-b", subscribeCommand("s1", "cam", "sub", 0)));
  const std::string keyB = CascadeHost::routerKey("node-b", "s1");
  EXPECT_FALSE(seen(0, keyB).mirror);
  EXPECT_TRUE(seen(0, keyA_).mirror) << "node-b's pipe displaced node-a's";
  auto closed = events_.closed();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].routerKey, keyB);
  EXPECT_EQ(closed[0].subscriberId, "sub");
  EXPECT_EQ(closed[0].reason, "stream gone");
  // What the SFU does with that report.
  host_.subscriptionClosed(closed[0].routerKey, closed[0].subscriberId, closed[0].reason);
  ASSERT_EQ(link_.sent.size(), 1u);
  EXPECT_EQ(link_.sent[0].first, "node-b");
  EXPECT_EQ(host_.subscriptionCount(), 0u);
  // node-b's unmirror leaves node-a's mirror (same pipe id, other router) alone.
  ASSERT_TRUE(host_.handle(
      "node-b", Json::object({{"type", "unmirror"}, {"session", "s1"}, {"stream", "cam"}})));
  EXPECT_FALSE(seen(0, keyB).router);
  EXPECT_TRUE(seen(0, keyA_).mirror);
  EXPECT_EQ(host_.mirrorCount(), 1u);
}

TEST_F(CascadeHostTest, AStarvedMirrorClosesTheSubscriptionsItFedAndTellsTheOwner) {
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 0, 7)));
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "screen", 1, 9)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 0)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub2", 0)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "screen", "sub3", 1)));
  // News naming another pipe (the owner mirrored the stream anew meanwhile), another owner's
  // router or an unknown stream changes nothing.
  host_.mirrorStarved(keyA_, "cam", 8);
  host_.mirrorStarved(CascadeHost::routerKey("node-b", "s1"), "cam", 7);
  host_.mirrorStarved(keyA_, "mic", 7);
  EXPECT_EQ(host_.mirrorCount(), 2u);
  EXPECT_EQ(host_.subscriptionCount(), 3u);
  EXPECT_TRUE(link_.sent.empty());

  host_.mirrorStarved(keyA_, "cam", 7);
  EXPECT_EQ(host_.mirrorCount(), 1u);
  EXPECT_EQ(host_.subscriptionCount(), 1u);
  ASSERT_EQ(link_.sent.size(), 2u);
  std::set<std::string> told;
  for (const auto& [node, m] : link_.sent) {
    EXPECT_EQ(node, "node-a");
    EXPECT_EQ(m.getString("type"), "closed");
    EXPECT_EQ(m.getString("session"), "s1");
    told.insert(m.getString("subscriber").value_or(""));
  }
  EXPECT_EQ(told, (std::set<std::string>{"sub", "sub2"}));
  const Seen cam = seen(0, keyA_, "cam", "sub");
  EXPECT_FALSE(cam.mirror);
  EXPECT_FALSE(cam.subscription);
  EXPECT_FALSE(seen(0, keyA_, "cam", "sub2").subscription);
  const Seen screen = seen(1, keyA_, "screen", "sub3");
  EXPECT_TRUE(screen.mirror);
  EXPECT_TRUE(screen.subscription);
  // Reported once: the same news again finds nothing.
  host_.mirrorStarved(keyA_, "cam", 7);
  EXPECT_EQ(link_.sent.size(), 2u);
  // The other stream starving too leaves nothing of the session.
  host_.mirrorStarved(keyA_, "screen", 9);
  EXPECT_FALSE(host_.hosts(keyA_));
  EXPECT_EQ(routersOn(0), 0u);
  EXPECT_EQ(routersOn(1), 0u);
}

TEST_F(CascadeHostTest, MalformedPublishesAreRefusedMakeNothingAndAreReportedToTheOwner) {
  const std::vector<Json> bad = {
      without(publishCommand("s1", "cam", 0, 7), "remote"),
      without(publishCommand("s1", "cam", 0, 7), "tracks"),
      without(publishCommand("s1", "cam", 0, 7), "targetIp"),
      with(publishCommand("s1", "cam", 0, 7), "worker", 2),
      with(publishCommand("s1", "cam", 0, 7), "worker", -1),
      with(publishCommand("s1", "cam", 0, 7), "password", "short"),
      with(publishCommand("s1", "cam", 0, 7), "ufrag", "ab"),
      with(publishCommand("s1", "cam", 0, 7), "key", "abcd"),
      with(publishCommand("s1", "cam", 0, 7), "pipe", 0),
      with(publishCommand("s1", "cam", 0, 7), "targetPort", 70000),
      with(publishCommand("s1", "cam", 0, 7), "targetIp", "not an address"),
      with(publishCommand("s1", "cam", 0, 7), "tracks", Json::array()),
      with(publishCommand("s1", "cam", 0, 7), "remote", Json::object({{"role", "actpass"}})),
  };
  for (const auto& c : bad) EXPECT_FALSE(host_.handle("node-a", c)) << c.dump();
  EXPECT_EQ(host_.publicationCount(), 0u);
  EXPECT_FALSE(host_.hosts(keyA_));
  EXPECT_EQ(routersOn(0), 0u);
  EXPECT_EQ(routersOn(1), 0u);
  // Each refusal is news for the owner, which would otherwise wait for the publisher.
  ASSERT_EQ(link_.sent.size(), bad.size());
  for (const auto& [node, m] : link_.sent) {
    EXPECT_EQ(node, "node-a");
    EXPECT_EQ(m.getString("type"), "unpublished");
    EXPECT_EQ(m.getString("stream"), "cam");
  }
}

TEST_F(CascadeHostTest, APublisherTransportIsMadeOnTheNamedWorkerAndPipedToTheOwner) {
  ASSERT_TRUE(host_.handle("node-a", publishCommand("s1", "cam", 1, 7)));
  EXPECT_EQ(host_.publicationCount(), 1u);
  EXPECT_TRUE(host_.hosts(keyA_));
  const std::string pubKey = CascadeHost::publisherRouterKey("node-a", "s1");
  EXPECT_EQ(pubKey, "node-pub:node-a/s1");
  EXPECT_TRUE(host_.hostsPublications(pubKey));
  EXPECT_FALSE(host_.hostsPublications(keyA_));
  const Seen s = seen(1, pubKey);
  EXPECT_TRUE(s.published);
  EXPECT_FALSE(s.mirror);
  EXPECT_EQ(s.sinks, 1u) << "the pipe to the owner";
  EXPECT_FALSE(seen(0, pubKey).router);
  EXPECT_FALSE(seen(1, keyA_).router) << "publications live apart from mirrors";

  // The same stream mirrored here for subscribers placed here: no clash.
  ASSERT_TRUE(host_.handle("node-a", mirrorCommand("s1", "cam", 1, 20)));
  ASSERT_TRUE(host_.handle("node-a", subscribeCommand("s1", "cam", "sub", 1)));
  EXPECT_TRUE(seen(1, keyA_).mirror);
  EXPECT_TRUE(seen(1, keyA_).subscription);
  EXPECT_TRUE(seen(1, pubKey).published);

  // The owner pauses video, restarts ICE; another owner can do neither, nor unpublish.
  EXPECT_TRUE(host_.handle("node-a", streamCommand("publisherTrack", "s1", "cam",
                                                   {{"kind", "video"}, {"active", false}})));
  EXPECT_TRUE(seen(1, pubKey).videoPaused);
  EXPECT_FALSE(host_.handle("node-a", streamCommand("publisherTrack", "s1", "cam",
                                                    {{"kind", "data"}, {"active", true}})));
  EXPECT_FALSE(host_.handle("node-b", streamCommand("publisherTrack", "s1", "cam",
                                                    {{"kind", "video"}, {"active", true}})));
  EXPECT_TRUE(seen(1, pubKey).videoPaused);
  const Json remote = *publishCommand("s1", "cam", 1, 7).find("remote");
  const Json restart = streamCommand(
      "publisherRemote", "s1", "cam",
      {{"ufrag", "newufrag"}, {"password", "anotherpasswordanother1"}, {"remote", remote}});
  EXPECT_TRUE(host_.handle("node-a", restart));
  EXPECT_FALSE(host_.handle("node-b", restart));
  EXPECT_FALSE(host_.handle("node-a", with(restart, "password", "short")));
  EXPECT_FALSE(host_.handle("node-a", with(restart, "stream", "mic")));
  EXPECT_FALSE(host_.handle("node-b", streamCommand("unpublish", "s1", "cam")));
  EXPECT_TRUE(seen(1, pubKey).published);
  EXPECT_TRUE(link_.sent.empty());

  EXPECT_TRUE(host_.handle("node-a", streamCommand("unpublish", "s1", "cam")));
  EXPECT_EQ(host_.publicationCount(), 0u);
  EXPECT_FALSE(host_.hostsPublications(pubKey));
  EXPECT_FALSE(seen(1, pubKey).router);
  EXPECT_FALSE(host_.handle("node-a", streamCommand("unpublish", "s1", "cam")));
  EXPECT_TRUE(host_.hosts(keyA_)) << "the mirror and its subscription stay";
}

TEST_F(CascadeHostTest, AHostedPublicationsNewsGoesToItsOwnerAndAClosedOneIsForgotten) {
  ASSERT_TRUE(host_.handle("node-a", publishCommand("s1", "cam", 0, 7)));
  const std::string pubKey = CascadeHost::publisherRouterKey("node-a", "s1");
  // News of what is not hosted goes nowhere.
  host_.publicationConnected(keyA_, "cam");
  host_.publicationConnected(pubKey, "screen");
  host_.publicationClosed(CascadeHost::publisherRouterKey("node-b", "s1"), "cam", "ice timeout");
  EXPECT_TRUE(link_.sent.empty());

  host_.publicationConnected(pubKey, "cam");
  ASSERT_EQ(link_.sent.size(), 1u);
  EXPECT_EQ(link_.sent[0].first, "node-a");
  EXPECT_EQ(link_.sent[0].second.getString("type"), "published");
  EXPECT_EQ(link_.sent[0].second.getString("session"), "s1");
  EXPECT_EQ(link_.sent[0].second.getString("stream"), "cam");

  host_.publicationClosed(pubKey, "cam", "dtls close_notify");
  ASSERT_EQ(link_.sent.size(), 2u);
  const Json& m = link_.sent[1].second;
  EXPECT_EQ(m.getString("type"), "unpublished");
  EXPECT_EQ(m.getString("stream"), "cam");
  EXPECT_EQ(m.getString("reason"), "dtls close_notify");
  EXPECT_EQ(host_.publicationCount(), 0u);
  EXPECT_FALSE(host_.hosts(keyA_));
  EXPECT_EQ(routersOn(0), 0u);
  // Reported once.
  host_.publicationClosed(pubKey, "cam", "dtls close_notify");
  EXPECT_EQ(link_.sent.size(), 2u);
}

TEST_F(CascadeHostTest, PublicationsOfANodeThatLeftAreDropped) {
  ASSERT_TRUE(host_.handle("node-a", publishCommand("s1", "cam", 0, 7)));
  ASSERT_TRUE(host_.handle("node-b", publishCommand("s1", "cam", 1, 9)));
  host_.keepOwners({"node-b"});
  EXPECT_EQ(host_.publicationCount(), 1u);
  EXPECT_FALSE(seen(0, CascadeHost::publisherRouterKey("node-a", "s1")).router);
  EXPECT_TRUE(seen(1, CascadeHost::publisherRouterKey("node-b", "s1")).published);
  host_.keepOwners({});
  EXPECT_EQ(host_.publicationCount(), 0u);
  EXPECT_EQ(routersOn(0), 0u);
  EXPECT_EQ(routersOn(1), 0u);
  EXPECT_TRUE(link_.sent.empty());
}

}  // namespace
}  // namespace parley::media
