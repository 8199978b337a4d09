// A stream crossing between two workers over UDP as between two nodes: the origin worker's
// NodePipeSink sends each packet once, the other worker hands the pipe datagrams to its
// NodePipeReceiver, and the mirror publication there fans them out (here to one sink).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "MediaTestSupport.h"
#include "media/MediaPipe.h"
#include "media/NodePipeCodec.h"
#include "media/NodePipeFeedbackReceiver.h"
#include "media/NodePipeReceiver.h"
#include "media/NodePipeSink.h"
#include "media/Producer.h"
#include "media/Publication.h"
#include "media/Router.h"
#include "media/WebRtcTransport.h"
#include "media/Worker.h"
#include "media/WorkerCommands.h"
#include "media/dtls/DtlsCertificate.h"

namespace parley::media {
namespace {

struct NoEvents final : WorkerEvents {
  void publicationConnected(const std::string&, const std::string&) override {}
  void publicationClosed(const std::string&, const std::string&, const std::string&) override {}
  void subscriptionConnected(const std::string&, const std::string&) override {}
  void subscriptionClosed(const std::string&, const std::string&, const std::string&) override {}
};

// Records what the mirror fans out (worker thread) for the test thread.
class RecordingSink final : public MediaSink {
 public:
  void onPacket(const Packet& p) override {
    std::lock_guard lock(mutex);
    seqs.push_back(p.rtp.sequenceNumber());
    keyframes.push_back(p.keyframe);
  }
  void onSenderReport(const SenderReport& r) override {
    std::lock_guard lock(mutex);
    reports.push_back(r);
  }
  void onSourceGone() override {}
  size_t count() {
    std::lock_guard lock(mutex);
    return seqs.size();
  }
  size_t reportCount() {
    std::lock_guard lock(mutex);
    return reports.size();
  }
  std::mutex mutex;
  std::vector<uint16_t> seqs;
  std::vector<bool> keyframes;
  std::vector<SenderReport> reports;
};

TrackDescription videoTrack() {
  TrackDescription t;
  t.kind = sdp::MediaKind::Video;
  t.mid = "1";
  t.codecs.push_back(testsupport::codec(96, "VP8", 90000));
  t.layers.push_back({0x1000, 0, ""});
  return t;
}

std::vector<uint8_t> packet(uint16_t seq) {
  std::vector<uint8_t> p{0x80, 96, uint8_t(seq >> 8), uint8_t(seq), 0, 0, 0, 0, 0, 0, 0x10, 0};
  p.resize(900, 0x11);
  return p;
}

template <class Fn>
void onWorker(Worker& w, Fn fn) {
  std::promise<void> done;
  w.post([&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

bool waitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(NodePipeTest, AStreamCrossesOnceAndTheMirrorFansItOut) {
  NoEvents events;
  Worker origin(0, Worker::Settings{}, events);
  Worker mirror(1, Worker::Settings{}, events);
  origin.start();
  mirror.start();
  const auto key = NodePipeCodec::newKey();
  const auto originAddress = net::SocketAddress::parse("127.0.0.1", origin.port()).value();
  const auto mirrorAddress = net::SocketAddress::parse("127.0.0.1", mirror.port()).value();

  auto pipe = std::make_shared<MediaPipe>();
  RecordingSink sink;
  NodePipeReceiver receiver(NodePipeCodec::create(NodePipeCodec::Direction::Receive, 9, key), pipe,
                            originAddress);
  onWorker(mirror, [&] {
    Router& r = mirror.router("session");
    Publication& copy = r.addPublication(std::make_unique<Publication>(
        r, "stream", std::vector<TrackDescription>{videoTrack()}, pipe));
    r.attach(copy, sink);
    mirror.registerNodePipe(&receiver);
  });

  Producer producer(videoTrack());
  NodePipeSink out(NodePipeCodec::create(NodePipeCodec::Direction::Send, 9, key), origin,
                   mirrorAddress);
  onWorker(origin, [&] {
    for (uint16_t seq = 100; seq < 150; ++seq) {
      const auto bytes = packet(seq);
      auto rtp = rtp::RtpPacket::parse(bytes.data(), bytes.size());
      out.onPacket(MediaSink::Packet{producer, 0, 0, seq == 100, *rtp, Worker::steadyNowUs()});
    }
    origin.socket().flush();
  });
  ASSERT_TRUE(waitFor([&] { return sink.count() == 50; })) << sink.count() << " of 50";
  EXPECT_EQ(out.sent(), 50u);
  {
    std::lock_guard lock(sink.mutex);
    for (size_t i = 0; i < 50; ++i) EXPECT_EQ(sink.seqs[i], 100 + i);
    EXPECT_TRUE(sink.keyframes[0]);
    EXPECT_FALSE(sink.keyframes[1]);
  }

  // The publisher's sender reports cross too, and the mirror's sinks get them as the
  // origin's did (a recording keeps audio and video in step by them); one naming a layer the
  // mirror's track does not have reaches nobody.
  onWorker(origin, [&] {
    out.onSenderReport({0, 0, 0x1122334455667788ull, 90000, Worker::steadyNowUs()});
    out.onSenderReport({0, 3, 1, 1, Worker::steadyNowUs()});
    origin.socket().flush();
  });
  ASSERT_TRUE(waitFor([&] { return sink.reportCount() == 1; }));
  {
    std::lock_guard lock(sink.mutex);
    EXPECT_EQ(sink.reports[0].track, 0u);
    EXPECT_EQ(sink.reports[0].layer, 0u);
    EXPECT_EQ(sink.reports[0].ntpTimestamp, 0x1122334455667788ull);
    EXPECT_EQ(sink.reports[0].rtpTimestamp, 90000u);
  }

  // Another pipe id is dropped by the worker; from another address, even with the right key,
  // the receiver refuses it undecrypted.
  Worker stranger(2, Worker::Settings{}, events);
  stranger.start();
  NodePipeSink forged(NodePipeCodec::create(NodePipeCodec::Direction::Send, 9, key), stranger,
                      mirrorAddress);
  NodePipeSink otherPipe(NodePipeCodec::create(NodePipeCodec::Direction::Send, 10, key), origin,
                         mirrorAddress);
  const uint64_t droppedBefore = mirror.counters().datagramsDropped.value();
  onWorker(origin, [&] {
    const auto bytes = packet(501);
    auto rtp = rtp::RtpPacket::parse(bytes.data(), bytes.size());
    otherPipe.onPacket(MediaSink::Packet{producer, 0, 0, false, *rtp, Worker::steadyNowUs()});
    origin.socket().flush();
  });
  onWorker(stranger, [&] {
    const auto bytes = packet(500);
    auto rtp = rtp::RtpPacket::parse(bytes.data(), bytes.size());
    forged.onPacket(MediaSink::Packet{producer, 0, 0, false, *rtp, Worker::steadyNowUs()});
    stranger.socket().flush();
  });
  // The worker dropped the datagram of the pipe it does not have (this test's process only).
  ASSERT_TRUE(waitFor([&] { return mirror.counters().datagramsDropped.value() > droppedBefore; }));
  std::atomic<uint64_t> refused{0};
  ASSERT_TRUE(waitFor([&] {
    onWorker(mirror, [&] { refused = receiver.refused(); });
    return refused == 1;
  }));
  EXPECT_EQ(sink.count(), 50u);
  EXPECT_EQ(sink.reportCount(), 1u) << "the report of a layer the mirror lacks went nowhere";

  onWorker(mirror, [&] {
    mirror.unregisterNodePipe(9);
    mirror.router("session").removePublication("stream");
  });
  stranger.stop();
  mirror.stop();
  origin.stop();
}

TEST(NodePipeTest, TheMirrorsKeyframeRequestsReachTheOrigin) {
  NoEvents events;
  Worker origin(0, Worker::Settings{}, events);
  Worker mirror(1, Worker::Settings{}, events);
  origin.start();
  mirror.start();
  const auto mediaKey = NodePipeCodec::newKey();
  const auto feedbackKey = NodePipeCodec::newKey();
  const auto originAddress = net::SocketAddress::parse("127.0.0.1", origin.port()).value();
  const auto mirrorAddress = net::SocketAddress::parse("127.0.0.1", mirror.port()).value();

  std::atomic<int> requested{0};
  std::atomic<size_t> lastLayer{99};
  NodePipeFeedbackReceiver feedback(
      NodePipeCodec::create(NodePipeCodec::Direction::Receive, 21, feedbackKey), mirrorAddress,
      [&](size_t layer) {
        lastLayer = layer;
        ++requested;
      });
  onWorker(origin, [&] { origin.registerNodePipe(&feedback); });

  auto pipe = std::make_shared<MediaPipe>();
  NodePipeReceiver receiver(NodePipeCodec::create(NodePipeCodec::Direction::Receive, 20, mediaKey),
                            pipe, originAddress);
  onWorker(mirror, [&] {
    receiver.enableFeedback(NodePipeCodec::create(NodePipeCodec::Direction::Send, 21, feedbackKey),
                            mirror);
    pipe->requestKeyframe = [&receiver](size_t layer) { receiver.requestKeyframe(layer); };
    mirror.registerNodePipe(&receiver);
    pipe->requestKeyframe(1);
    mirror.socket().flush();
  });
  ASSERT_TRUE(waitFor([&] { return requested == 1; }));
  EXPECT_EQ(lastLayer, 1u);

  // A request from another worker, even with the key, is refused.
  Worker stranger(2, Worker::Settings{}, events);
  stranger.start();
  NodePipeReceiver impostor(NodePipeCodec::create(NodePipeCodec::Direction::Receive, 22, mediaKey),
                            pipe, originAddress);
  onWorker(stranger, [&] {
    impostor.enableFeedback(NodePipeCodec::create(NodePipeCodec::Direction::Send, 21, feedbackKey),
                            stranger);
    impostor.requestKeyframe(0);
    stranger.socket().flush();
  });
  std::atomic<uint64_t> refused{0};
  ASSERT_TRUE(waitFor([&] {
    onWorker(origin, [&] { refused = feedback.refused(); });
    return refused == 1;
  }));
  EXPECT_EQ(requested, 1);

  onWorker(origin, [&] { origin.unregisterNodePipe(21); });
  onWorker(mirror, [&] { mirror.unregisterNodePipe(20); });
  stranger.stop();
  mirror.stop();
  origin.stop();
}

// The way the cluster wires a pipe (Router::addNodePipe at the origin, addNodeMirror at the
// mirror): a packet that does not cross is noticed by the mirror, asked for again over the
// pipe's feedback, and resent from the origin publication's buffer through that pipe only.
TEST(NodePipeTest, APacketThatDidNotCrossIsAskedForAndSentAgain) {
  NoEvents events;
  Worker origin(0, Worker::Settings{}, events);
  Worker mirror(1, Worker::Settings{}, events);
  origin.start();
  mirror.start();
  const auto mediaKey = NodePipeCodec::newKey();
  const auto feedbackKey = NodePipeCodec::newKey();
  const auto originAddress = net::SocketAddress::parse("127.0.0.1", origin.port()).value();
  const auto mirrorAddress = net::SocketAddress::parse("127.0.0.1", mirror.port()).value();
  TrackDescription track = videoTrack();
  track.nack = true;

  RecordingSink sink;
  onWorker(mirror, [&] {
    auto pipe = std::make_shared<MediaPipe>();
    auto receiver = std::make_unique<NodePipeReceiver>(
        NodePipeCodec::create(NodePipeCodec::Direction::Receive, 31, mediaKey), pipe,
        originAddress);
    receiver->enableFeedback(NodePipeCodec::create(NodePipeCodec::Direction::Send, 32, feedbackKey),
                             mirror);
    Router& r = mirror.router("node:a/session");
    ASSERT_TRUE(r.addNodeMirror("stream", {track}, std::move(receiver), pipe));
    r.attach(*r.publication("stream"), sink);
  });
  std::atomic<uint64_t> keyframeRequests{0};
  onWorker(origin, [&] {
    Router& r = origin.router("session");
    auto transport =
        std::make_unique<WebRtcTransport>("pub:stream", "ufrag123", "password1234567890123456",
                                          dtls::DtlsCertificate::generate(), origin);
    r.addPublication(std::make_unique<Publication>(
        r, "stream", std::vector<TrackDescription>{track}, std::move(transport)));
    auto sink = std::make_unique<NodePipeSink>(
        NodePipeCodec::create(NodePipeCodec::Direction::Send, 31, mediaKey), origin, mirrorAddress);
    auto feedback = std::make_unique<NodePipeFeedbackReceiver>(
        NodePipeCodec::create(NodePipeCodec::Direction::Receive, 32, feedbackKey), mirrorAddress,
        [&](size_t) { ++keyframeRequests; });
    ASSERT_TRUE(r.addNodePipe("stream", std::move(sink), std::move(feedback)));
    // A second pipe under the same id is refused.
    EXPECT_FALSE(
        r.addNodePipe("stream",
                      std::make_unique<NodePipeSink>(
                          NodePipeCodec::create(NodePipeCodec::Direction::Send, 31, mediaKey),
                          origin, mirrorAddress),
                      std::make_unique<NodePipeFeedbackReceiver>(
                          NodePipeCodec::create(NodePipeCodec::Direction::Receive, 33, feedbackKey),
                          mirrorAddress, [](size_t) {})));
  });
  // The publication takes 30 packets (kept in its buffer) and forwards all but one: 105 is
  // lost on the way.
  onWorker(origin, [&] {
    Router& r = origin.router("session");
    Publication& p = *r.publication("stream");
    Producer& producer = *p.producers()[0];
    for (uint16_t seq = 100; seq < 130; ++seq) {
      const auto bytes = packet(seq);
      auto rtp = rtp::RtpPacket::parse(bytes.data(), bytes.size());
      producer.layer(0).buffer->store(bytes.data(), bytes.size(), Worker::steadyNowUs() / 1000);
      if (seq != 105)
        r.route(p, MediaSink::Packet{producer, 0, 0, seq == 100, *rtp, Worker::steadyNowUs()});
    }
    origin.socket().flush();
  });
  ASSERT_TRUE(waitFor([&] { return sink.count() == 30; })) << sink.count() << " of 30";
  {
    std::lock_guard lock(sink.mutex);
    EXPECT_EQ(std::count(sink.seqs.begin(), sink.seqs.end(), 105), 1) << "crossed once more";
    EXPECT_EQ(sink.seqs.back(), 105);
  }
  EXPECT_GE(origin.counters().retransmissions.value(), 1u);
  EXPECT_GE(mirror.counters().nacksSent.value(), 1u);
  onWorker(mirror, [&] { mirror.router("node:a/session").removeNodePipe(31); });
  onWorker(mirror, [&] {
    EXPECT_EQ(mirror.router("node:a/session").publication("stream"), nullptr);
    mirror.removeRouterIfEmpty("node:a/session");
  });
  onWorker(origin, [&] { origin.router("session").removePublication("stream"); });
  mirror.stop();
  origin.stop();
}

// Keepalives and starvation: a pipe with nothing to send still sends a keepalive every
// second, which keeps its mirror; a mirror that hears nothing for the worker's
// mirrorStarvedAfterUs (its origin died or cannot reach it) is removed and reported, so the
// node hosting it can close the subscribers it fed.
// The starved mirrors the workers report ("<router key> <stream> <pipe id>"), for the test
// thread.
struct StarvedEvents final : WorkerEvents {
  void publicationConnected(const std::string&, const std::string&) override {}
  void publicationClosed(const std::string&, const std::string&, const std::string&) override {}
  void subscriptionConnected(const std::string&, const std::string&) override {}
  void subscriptionClosed(const std::string&, const std::string&, const std::string&) override {}
  void mirrorStarved(const std::string& key, const std::string& stream, uint32_t pipe) override {
    std::lock_guard lock(mutex);
    starved.push_back(key + " " + stream + " " + std::to_string(pipe));
  }
  std::vector<std::string> taken() {
    std::lock_guard lock(mutex);
    return starved;
  }
  std::mutex mutex;
  std::vector<std::string> starved;
};

TEST(NodePipeTest, AQuietPipeSendsKeepalivesAndAMirrorWhoseOriginFallsSilentIsRemoved) {
  StarvedEvents events;
  Worker origin(0, Worker::Settings{}, events);
  // The ticks below run on clocks of their own; the worker's real ones must never reach the
  // limit first, however slowly this test runs.
  Worker::Settings slow;
  slow.mirrorStarvedAfterUs = 3600'000'000;
  Worker mirror(1, slow, events);
  origin.start();
  mirror.start();
  const auto mediaKey = NodePipeCodec::newKey();
  const auto feedbackKey = NodePipeCodec::newKey();
  const auto originAddress = net::SocketAddress::parse("127.0.0.1", origin.port()).value();
  const auto mirrorAddress = net::SocketAddress::parse("127.0.0.1", mirror.port()).value();
  const std::string key = "node:a/session";

  NodePipeReceiver* heard = nullptr;   // the mirror's receiver (its router owns it)
  NodePipeReceiver* silent = nullptr;  // a second mirror whose origin never sends
  int64_t added = 0;                   // when, on the mirror worker's clock
  onWorker(mirror, [&] {
    Router& r = mirror.router(key);
    added = r.nowUs();
    auto pipe = std::make_shared<MediaPipe>();
    auto receiver = std::make_unique<NodePipeReceiver>(
        NodePipeCodec::create(NodePipeCodec::Direction::Receive, 41, mediaKey), pipe,
        originAddress);
    heard = receiver.get();
    ASSERT_TRUE(r.addNodeMirror("stream", {videoTrack()}, std::move(receiver), pipe));
    auto otherPipe = std::make_shared<MediaPipe>();
    auto other = std::make_unique<NodePipeReceiver>(
        NodePipeCodec::create(NodePipeCodec::Direction::Receive, 43, mediaKey), otherPipe,
        originAddress);
    silent = other.get();
    ASSERT_TRUE(r.addNodeMirror("quiet", {videoTrack()}, std::move(other), otherPipe));
  });
  // The origin's publication sends nothing; its pipe sends keepalives by the worker's ticks.
  onWorker(origin, [&] {
    Router& r = origin.router("session");
    auto transport =
        std::make_unique<WebRtcTransport>("pub:stream", "ufrag123", "password1234567890123456",
                                          dtls::DtlsCertificate::generate(), origin);
    r.addPublication(std::make_unique<Publication>(
        r, "stream", std::vector<TrackDescription>{videoTrack()}, std::move(transport)));
    ASSERT_TRUE(
        r.addNodePipe("stream",
                      std::make_unique<NodePipeSink>(
                          NodePipeCodec::create(NodePipeCodec::Direction::Send, 41, mediaKey),
                          origin, mirrorAddress),
                      std::make_unique<NodePipeFeedbackReceiver>(
                          NodePipeCodec::create(NodePipeCodec::Direction::Receive, 42, feedbackKey),
                          mirrorAddress, [](size_t) {})));
  });
  std::atomic<uint64_t> keepalives{0};
  ASSERT_TRUE(waitFor([&] {
    onWorker(mirror, [&] { keepalives = heard->keepalives(); });
    return keepalives >= 2;
  }));

  // On the mirror's clock. Just short of the limit after the mirrors were added, both stay;
  // past it, the silent one goes (it counts from when it was added) and the one that heard
  // keepalives since stays; past the limit after its last keepalive, it goes too.
  const int64_t limit = mirror.mirrorStarvedAfterUs();
  onWorker(mirror, [&] {
    Router& r = mirror.router(key);
    EXPECT_EQ(silent->lastHeardUs(), 0);
    EXPECT_GT(heard->lastHeardUs(), added + 500'000) << "two keepalives, a second apart";
    r.tick(added + limit - 100'000);
    EXPECT_NE(r.publication("stream"), nullptr);
    EXPECT_NE(r.publication("quiet"), nullptr);
  });
  EXPECT_TRUE(events.taken().empty());
  onWorker(mirror, [&] {
    Router& r = mirror.router(key);
    r.tick(added + limit + 100'000);
    EXPECT_NE(r.publication("stream"), nullptr);
    EXPECT_EQ(r.publication("quiet"), nullptr);
  });
  EXPECT_EQ(events.taken(), std::vector<std::string>{key + " quiet 43"});
  onWorker(mirror, [&] {
    Router& r = mirror.router(key);
    r.tick(heard->lastHeardUs() + limit + 100'000);
    EXPECT_EQ(r.publication("stream"), nullptr);
  });
  EXPECT_EQ(events.taken(), (std::vector<std::string>{key + " quiet 43", key + " stream 41"}));
  // The pipe ids are no longer registered: the origin's next keepalive is dropped unread.
  const uint64_t droppedBefore = mirror.counters().datagramsDropped.value();
  ASSERT_TRUE(waitFor([&] { return mirror.counters().datagramsDropped.value() > droppedBefore; }));

  onWorker(mirror, [&] { mirror.removeRouterIfEmpty(key); });
  onWorker(origin, [&] { origin.router("session").removePublication("stream"); });
  mirror.stop();
  origin.stop();
}

TEST(NodePipeTest, AMirrorKeptWhenStarvedIsReportedOnceAndFedAgainThroughAnotherPipe) {
  // The owner's mirror of a publication another node hosts: when that node goes silent the
  // mirror stays, its subscribers still attached, until the publisher is placed anew and a
  // pipe from the new node feeds it.
  StarvedEvents events;
  Worker::Settings slow;
  slow.mirrorStarvedAfterUs = 3600'000'000;  // only the ticks below starve it
  Worker first(0, Worker::Settings{}, events);
  Worker second(1, Worker::Settings{}, events);
  Worker mirror(2, slow, events);
  first.start();
  second.start();
  mirror.start();
  const auto address = [](const Worker& w) {
    return net::SocketAddress::parse("127.0.0.1", w.port()).value();
  };
  WorkerCommands::NodePipeKeys before{41, NodePipeCodec::newKey(), 42, NodePipeCodec::newKey()};
  WorkerCommands::NodePipeKeys after{51, NodePipeCodec::newKey(), 52, NodePipeCodec::newKey()};
  RecordingSink sink;
  onWorker(mirror, [&] {
    ASSERT_TRUE(WorkerCommands::addNodeMirror(mirror, "session", "stream", {videoTrack()}, before,
                                              address(first), true));
    Router& r = mirror.router("session");
    r.attach(*r.publication("stream"), sink);
  });
  Producer producer(videoTrack());
  auto send = [&](Worker& from, uint32_t pipeId, const NodePipeCodec::Key& key, uint16_t firstSeq) {
    NodePipeSink out(NodePipeCodec::create(NodePipeCodec::Direction::Send, pipeId, key), from,
                     address(mirror));
    onWorker(from, [&] {
      for (uint16_t seq = firstSeq; seq < firstSeq + 10; ++seq) {
        const auto bytes = packet(seq);
        auto rtp = rtp::RtpPacket::parse(bytes.data(), bytes.size());
        out.onPacket(MediaSink::Packet{producer, 0, 0, false, *rtp, Worker::steadyNowUs()});
      }
      from.socket().flush();
    });
  };
  send(first, 41, before.mediaKey, 100);
  ASSERT_TRUE(waitFor([&] { return sink.count() == 10; })) << sink.count();

  // Starved: reported once, and kept.
  const int64_t limit = mirror.mirrorStarvedAfterUs();
  int64_t now = 0;
  onWorker(mirror, [&] {
    Router& r = mirror.router("session");
    now = r.nowUs() + limit + 100'000;
    r.tick(now);
    r.tick(now + 1'000'000);
    EXPECT_NE(r.publication("stream"), nullptr);
  });
  EXPECT_EQ(events.taken(), std::vector<std::string>{"session stream 41"});

  // Fed again, from another worker under another pipe: the same subscribers get its packets;
  // the old pipe is unregistered (what still comes on it is dropped unread).
  onWorker(mirror, [&] {
    EXPECT_TRUE(
        WorkerCommands::refeedNodeMirror(mirror, "session", "stream", after, address(second)));
    EXPECT_FALSE(
        WorkerCommands::refeedNodeMirror(mirror, "session", "nothing", after, address(second)));
  });
  send(second, 51, after.mediaKey, 110);
  ASSERT_TRUE(waitFor([&] { return sink.count() == 20; })) << sink.count();
  const uint64_t droppedBefore = mirror.counters().datagramsDropped.value();
  send(first, 41, before.mediaKey, 120);
  ASSERT_TRUE(
      waitFor([&] { return mirror.counters().datagramsDropped.value() >= droppedBefore + 10; }));
  EXPECT_EQ(sink.count(), 20u);
  {
    std::lock_guard lock(sink.mutex);
    EXPECT_EQ(sink.seqs.back(), 119);
  }
  // The new pipe starves on its own count, and is reported under its own id.
  onWorker(mirror, [&] { mirror.router("session").tick(now + 2 * limit); });
  EXPECT_EQ(events.taken(), (std::vector<std::string>{"session stream 41", "session stream 51"}));

  onWorker(mirror, [&] {
    mirror.router("session").removePublication("stream");
    mirror.removeRouterIfEmpty("session");
  });
  mirror.stop();
  second.stop();
  first.stop();
}

}  // namespace
}  // namespace parley::media
