#include "load/LoadRunner.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <stdexcept>
#include <thread>

#include "core/Clock.h"
#include "core/Crypto.h"
#include "core/Json.h"
#include "core/Jwt.h"
#include "core/TokenMinter.h"
#include "load/ClipMaker.h"
#include "load/HttpExchange.h"
#include "load/JanusClient.h"
#include "load/MediaClip.h"
#include "load/ProcessSampler.h"
#include "load/RtpPacketizer.h"
#include "load/RumorClient.h"

namespace parley::load {

namespace {

// A video clip's only keyframe is its first frame (ClipMaker): a publisher sends it when it
// starts, when asked (PLI or FIR) and each time the clip loops. A minute keeps the loops
// about as rare as a browser's own keyframes (one every 3,000 frames, 100 s, unless asked).
constexpr double kVideoClipSeconds = 60;

constexpr size_t kMaxPayload = 1100;  // RTP payload, as browsers keep under a 1200-byte MTU

// The frames of a clip made (or found) in the clips directory.
std::shared_ptr<const std::vector<PacketizedFrame>> clipFrames(const std::string& dir,
                                                               const ClipSpec& spec) {
  std::string error;
  auto path = ClipMaker::ensure(dir, spec, &error);
  if (!path) throw std::runtime_error("clip: " + error);
  auto clip = MediaClip::load(*path, spec.codec, &error, spec.frameRate);
  if (!clip) throw std::runtime_error("clip " + *path + ": " + error);
  auto frames = RtpPacketizer::packetize(*clip, spec.codec, kMaxPayload);
  if (frames.empty()) throw std::runtime_error("clip " + *path + " has no frames");
  return std::make_shared<const std::vector<PacketizedFrame>>(std::move(frames));
}

void raiseFileLimit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

// One simulated client: its signaling and its peer connections.
struct LoadRunner::Client final : SignalingClient::Listener {
  Client(LoadRunner& r, bool pub, size_t i) : runner(r), publisher(pub), index(i) {}

  LoadRunner& runner;
  bool publisher;
  size_t index;
  std::unique_ptr<SignalingClient> signaling;
  std::shared_ptr<LoadPeer> publisherPeer;
  MediaLoop* loop = nullptr;
  int64_t startedUs = 0;
  bool joined = false;
  bool failed = false;
  std::vector<std::string> wanted;  // streams a subscriber subscribes to once joined
  std::map<std::string, std::shared_ptr<LoadPeer>> subscriptions;
  std::map<std::string, int64_t> requestedUs;

  void onJoined() override {
    joined = true;
    {
      std::lock_guard lock(runner.errorsMutex_);
      runner.joinUs_.push_back(MediaLoop::steadyUs() - startedUs);
    }
    ++runner.joined_;
    if (publisher) {
      signaling->publish();
      return;
    }
    for (const auto& s : wanted) {
      requestedUs[s] = MediaLoop::steadyUs();
      ++runner.subscriptionsAsked_;
      signaling->subscribe(s);
    }
  }

  std::string onOfferWanted() override {
    publisherPeer = std::make_shared<LoadPeer>(LoadPeer::Kind::Publisher, runner.certificate_,
                                               runner.options_.localIp, &runner.media_, false);
    return publisherPeer->offer();
  }

  void onAnswer(const std::string& sdp) override {
    if (!publisherPeer) return;
    std::string error;
    if (!publisherPeer->acceptAnswer(sdp, &error)) return onFailed("publisher answer: " + error);
    auto peer = publisherPeer;
    loop->post([l = loop, peer] { l->add(peer); });
  }

  void onPublished(const std::string& streamId) override {
    if (!publisher || failed) return;
    runner.streams_.push_back(streamId);
    ++runner.publishersDone_;
  }

  std::string onOffer(const std::string& streamId, const std::string& sdp) override {
    if (subscriptions.count(streamId)) return {};
    std::shared_ptr<LoadPeer> peer;
    try {
      peer = std::make_shared<LoadPeer>(LoadPeer::Kind::Subscriber, runner.certificate_,
                                        runner.options_.localIp, nullptr,
                                        runner.options_.subscriberDtlsServer);
    } catch (const std::exception& e) {
      runner.addError(std::string("subscriber socket: ") + e.what());
      ++runner.subscriptionsRefused_;
      return {};
    }
    std::string error;
    auto answer = peer->answer(sdp, &error);
    if (!answer) {
      runner.addError("subscriber offer: " + error);
      ++runner.subscriptionsRefused_;
      return {};
    }
    peer->setRequestedUs(requestedUs[streamId]);
    subscriptions[streamId] = peer;
    loop->post([l = loop, peer] { l->add(peer); });
    return *answer;
  }

  void onRemoteCandidate(const std::string& streamId, const std::string& candidate) override {
    std::shared_ptr<LoadPeer> peer = streamId.empty() ? publisherPeer : nullptr;
    if (!streamId.empty()) {
      auto it = subscriptions.find(streamId);
      if (it != subscriptions.end()) peer = it->second;
    }
    if (peer) loop->post([peer, candidate] { peer->addRemoteCandidate(candidate); });
  }

  void onFailed(const std::string& why) override {
    if (failed) return;
    failed = true;
    runner.addError((publisher ? "publisher " : "subscriber ") + std::to_string(index) + ": " +
                    why);
    if (!joined) ++runner.joinFailed_;
    if (publisher) ++runner.publishersDone_;
    // Subscriptions asked for but never offered are refused.
    for (const auto& s : wanted)
      if (requestedUs.count(s) && !subscriptions.count(s)) ++runner.subscriptionsRefused_;
  }
};

LoadRunner::LoadRunner(LoadOptions options) : options_(std::move(options)) {}

LoadRunner::~LoadRunner() = default;

void LoadRunner::addError(const std::string& message) {
  std::lock_guard lock(errorsMutex_);
  if (errors_.size() < 1000) errors_.push_back(message);
}

void LoadRunner::progress(const std::string& line) {
  std::fprintf(stderr, "parley load: %s\n", line.c_str());
}

void LoadRunner::prepareMedia() {
  media_.videoCodec = options_.videoCodec;
  media_.pacingFactor = options_.pacing;
  if (options_.audio) {
    ClipSpec a;
    a.codec = ClipCodec::Opus;
    media_.audio = clipFrames(options_.clipsDir, a);
  }
  if (options_.video) {
    std::vector<std::pair<uint16_t, uint16_t>> sizes;
    if (options_.simulcast) {
      sizes.push_back({static_cast<uint16_t>(options_.width / 4 / 2 * 2),
                       static_cast<uint16_t>(options_.height / 4 / 2 * 2)});
      sizes.push_back({static_cast<uint16_t>(options_.width / 2 / 2 * 2),
                       static_cast<uint16_t>(options_.height / 2 / 2 * 2)});
    }
    sizes.push_back({options_.width, options_.height});
    for (auto [w, h] : sizes) {
      ClipSpec v;
      v.codec = options_.videoCodec;
      v.width = w;
      v.height = h;
      v.seconds = kVideoClipSeconds;
      if (options_.videoBitrate)
        v.bitrate = static_cast<uint32_t>(static_cast<uint64_t>(options_.videoBitrate) * w * h /
                                          (uint64_t(options_.width) * options_.height));
      if (v.bitrate && v.bitrate < 50000) v.bitrate = 50000;
      media_.video.push_back(clipFrames(options_.clipsDir, v));
    }
  }
}

std::string LoadRunner::createSession() {
  // The REST API's project JWT (docs/protocol.md §3.1), as the server SDKs make it.
  const int64_t now = core::Clock::nowSeconds();
  core::Json header = core::Json::object({{"alg", "HS256"}, {"typ", "JWT"}});
  core::Json claims = core::Json::object({{"iss", options_.apiKey},
                                          {"ist", "project"},
                                          {"iat", now},
                                          {"exp", now + 180},
                                          {"jti", core::Crypto::uuid4()}});
  std::string jwt = core::Jwt::signHs256(header, claims, options_.apiSecret);
  std::promise<HttpExchange::Reply> done;
  boost::asio::post(io_, [&] {
    HttpExchange::start(io_, "POST", options_.url + "/session/create",
                        {{"X-OPENTOK-AUTH", jwt},
                         {"Accept", "application/json"},
                         {"Content-Type", "application/x-www-form-urlencoded"}},
                        "p2p.preference=disabled",
                        [&](HttpExchange::Reply r) { done.set_value(std::move(r)); });
  });
  HttpExchange::Reply r = done.get_future().get();
  if (r.status == 0) throw std::runtime_error("session create: " + r.error);
  auto body = core::Json::parse(r.body);
  if (r.status != 200 || !body || !body->isArray() || body->size() == 0)
    throw std::runtime_error("session create: HTTP " + std::to_string(r.status) + " " +
                             r.body.substr(0, 200));
  auto id = body->at(0).getString("session_id");
  if (!id) throw std::runtime_error("session create: no session_id in " + r.body.substr(0, 200));
  return *id;
}

void LoadRunner::startClient(bool publisher, size_t index) {
  auto client = std::make_unique<Client>(*this, publisher, index);
  client->loop = loops_[nextLoop_++ % loops_.size()].get();
  if (!publisher) {
    if (options_.perPublisher) {
      if (!streams_.empty()) client->wanted.push_back(streams_[index % streams_.size()]);
    } else {
      client->wanted = streams_;
    }
  }
  if (!options_.janusUrl.empty()) {
    client->signaling = std::make_unique<JanusClient>(io_, options_.janusUrl, options_.janusRoom,
                                                      *client, publisher);
  } else {
    RumorClient::Settings s;
    s.baseUrl = options_.url;
    s.apiKey = options_.apiKey;
    s.sessionId = sessionId_;
    s.connectionEvents = options_.connectionEvents;
    if (!options_.token.empty()) {
      s.token = options_.token;
    } else {
      core::TokenMinter::Options t;
      t.role = core::Role::Publisher;
      t.createTime = core::Clock::nowSeconds();
      t.connectionData =
          (publisher ? "load-publisher-" : "load-subscriber-") + std::to_string(index);
      s.token = core::TokenMinter::jwt(options_.apiKey, options_.apiSecret, sessionId_, t);
    }
    client->signaling = std::make_unique<RumorClient>(io_, std::move(s), *client);
  }
  client->startedUs = MediaLoop::steadyUs();
  client->signaling->join();
  clients_.push_back(std::move(client));
}

// Starts `count` clients at the ramp rate, from the signaling thread.
void LoadRunner::startClients(bool publishers, size_t count) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_);
  auto started = std::make_shared<size_t>(0);
  const auto begin = std::chrono::steady_clock::now();
  auto step = std::make_shared<std::function<void()>>();
  *step = [this, timer, started, begin, count, publishers, step] {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    const size_t due = std::min(count, static_cast<size_t>(elapsed * options_.rampPerSecond) + 1);
    while (*started < due) startClient(publishers, (*started)++);
    if (*started >= count) {
      *step = nullptr;  // breaks the cycle through the captured pointer
      return;
    }
    timer->expires_after(std::chrono::milliseconds(10));
    timer->async_wait([step](const boost::system::error_code& ec) {
      if (!ec && *step) (*step)();
    });
  };
  boost::asio::post(io_, [step] { (*step)(); });
}

// Subscriptions that are connected or have failed (media side), and their split.
size_t LoadRunner::settledSubscriptions(size_t& connected, size_t& failed) {
  connected = 0;
  failed = 0;
  for (auto& loop : loops_) {
    loop->call([&] {
      for (const auto& p : loop->peers()) {
        if (p->kind() != LoadPeer::Kind::Subscriber) continue;
        if (p->failed())
          ++failed;
        else if (p->firstKeyframeUs() || (p->connected() && !options_.video))
          ++connected;
      }
    });
  }
  return connected + failed + subscriptionsRefused_.load();
}

void LoadRunner::measure(LoadReport& report) {
  struct PeerWindow {
    std::vector<ReceiveStats::Snapshot> start;
  };
  std::map<const LoadPeer*, PeerWindow> windows;
  std::optional<ProcessSampler> server;
  if (options_.serverPid) server.emplace(*options_.serverPid);
  ProcessSampler self(getpid());
  // What each publisher had sent and been asked for when the window opened.
  struct PublisherCounts {
    uint64_t packets = 0, bytes = 0, keyframes = 0, plis = 0, nacks = 0;
  };
  std::map<const LoadPeer*, PublisherCounts> sentStart;
  auto countsOf = [](const LoadPeer& p) {
    PublisherCounts c;
    for (const auto& t : p.published()) {
      c.packets += t->packetsSent();
      c.bytes += t->bytesSent();
      c.keyframes += t->keyframesSent();
    }
    c.plis = p.pliReceived();
    c.nacks = p.nackedPackets();
    return c;
  };

  auto snapshotAll = [&](bool start) {
    for (auto& loop : loops_) {
      loop->call([&] {
        const int64_t now = MediaLoop::unixUs();
        for (const auto& p : loop->peers()) {
          if (p->kind() == LoadPeer::Kind::Publisher) {
            if (start) sentStart[p.get()] = countsOf(*p);
            continue;
          }
          if (start) {
            auto& w = windows[p.get()];
            for (const auto& t : p->received()) w.start.push_back(t->stats.snapshot(now));
          }
        }
        if (start) {
          loop->latency().reset();
          loop->sendLateness().reset();
        }
      });
    }
  };

  std::optional<ProcessSampler::Sample> serverStart, serverEnd;
  snapshotAll(true);
  if (server) serverStart = server->sample();
  auto selfStart = self.sample();
  const auto t0 = std::chrono::steady_clock::now();
  progress("measuring for " + std::to_string(static_cast<int>(options_.durationSeconds)) + " s");
  std::optional<uint64_t> peakRss;
  while (std::chrono::steady_clock::now() - t0 <
         std::chrono::duration<double>(options_.durationSeconds)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (server)
      if (auto s = server->sample()) peakRss = std::max(peakRss.value_or(0), s->rssBytes);
  }
  if (server) serverEnd = server->sample();
  auto selfEnd = self.sample();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::vector<double> bitrates, rates, losses, jitters;
  LatencyHistogram latency, sendLateness;
  uint64_t sentPackets = 0, sentBytes = 0;
  for (auto& loop : loops_) {
    loop->call([&] {
      const int64_t now = MediaLoop::unixUs();
      for (const auto& p : loop->peers()) {
        if (p->kind() == LoadPeer::Kind::Publisher) {
          const PublisherCounts from = sentStart[p.get()];
          const PublisherCounts to = countsOf(*p);
          sentPackets += to.packets - from.packets;
          sentBytes += to.bytes - from.bytes;
          report.keyframesSent += to.keyframes - from.keyframes;
          report.plisReceived += to.plis - from.plis;
          report.nacksReceived += to.nacks - from.nacks;
          continue;
        }
        auto w = windows.find(p.get());
        double bits = 0, packets = 0, expected = 0, lost = 0, jitter = 0;
        for (size_t i = 0; i < p->received().size(); ++i) {
          const auto& t = p->received()[i];
          ReceiveStats::Snapshot from;
          from.atUs = now - static_cast<int64_t>(seconds * 1e6);
          if (w != windows.end() && i < w->second.start.size()) from = w->second.start[i];
          auto to = t->stats.snapshot(now);
          bits += ReceiveStats::bitrateBps(from, to);
          packets += ReceiveStats::packetRate(from, to);
          const uint64_t e = to.expected - std::min(to.expected, from.expected);
          const uint64_t l = to.lost - std::min(to.lost, from.lost);
          expected += static_cast<double>(e);
          lost += static_cast<double>(l);
          report.packetsReceived += to.packets - std::min(to.packets, from.packets);
          if (t->video) {
            report.videoPacketsReceived += to.packets - std::min(to.packets, from.packets);
            jitter = std::max(jitter, t->stats.jitterMs());
          }
          report.packetsExpected += e;
          report.packetsLost += l;
        }
        if (p->failed() || p->received().empty()) continue;
        bitrates.push_back(bits / 1000);
        rates.push_back(packets);
        losses.push_back(expected > 0 ? 100.0 * lost / expected : 0);
        jitters.push_back(jitter);
      }
      latency.merge(loop->latency());
      sendLateness.merge(loop->sendLateness());
    });
  }
  report.bitrateKbps = Distribution::ofValues(bitrates);
  report.packetRate = Distribution::ofValues(rates);
  report.lossPercent = Distribution::ofValues(losses);
  report.jitterMs = Distribution::ofValues(jitters);
  report.latencyMs = Distribution::of(latency, 0.001);
  report.sendLateMs = Distribution::of(sendLateness, 0.001);
  report.latencyPackets = latency.count();
  report.latencyNegativePackets = latency.negativeCount();
  report.packetsSent = sentPackets;
  report.publisherBitrateKbps = seconds > 0 ? sentBytes * 8.0 / seconds / 1000 : 0;
  if (serverStart && serverEnd) {
    report.serverCpuSeconds = serverEnd->cpuSeconds - serverStart->cpuSeconds;
    report.serverCpuPercent = ProcessSampler::cpuPercent(*serverStart, *serverEnd);
    report.serverRssEndBytes = serverEnd->rssBytes;
    report.serverRssPeakBytes = std::max(peakRss.value_or(0), serverEnd->rssBytes);
  }
  if (selfStart && selfEnd)
    report.loadCpuPercent = ProcessSampler::cpuPercent(*selfStart, *selfEnd);
  report.durationSeconds = seconds;
}

LoadReport LoadRunner::run() {
  raiseFileLimit();
  LoadReport report;
  report.url = options_.janusUrl.empty() ? options_.url : options_.janusUrl;
  report.publishers = options_.publishers;
  report.totalSubscribers = options_.subscribers;
  report.subscribersPerPublisher =
      options_.perPublisher && options_.publishers
          ? (options_.subscribers + options_.publishers - 1) / options_.publishers
          : options_.subscribers;
  report.videoCodec = options_.video ? clipCodecName(options_.videoCodec) : "none";
  report.simulcast = options_.simulcast;
  report.audio = options_.audio;
  report.pacing = options_.pacing;

  progress("preparing clips in " + options_.clipsDir);
  prepareMedia();
  certificate_ = media::dtls::DtlsCertificate::generate();
  for (unsigned i = 0; i < options_.threads; ++i) {
    loops_.push_back(std::make_unique<MediaLoop>(i, options_.busyPoll));
    loops_.back()->start();
  }
  auto work = boost::asio::make_work_guard(io_);
  std::thread signaling([this] { io_.run(); });
  struct Joiner {
    std::thread& t;
    boost::asio::io_context& io;
    ~Joiner() {
      io.stop();
      if (t.joinable()) t.join();
    }
  } joiner{signaling, io_};

  std::optional<ProcessSampler> server;
  if (options_.serverPid) {
    server.emplace(*options_.serverPid);
    report.serverPid = *options_.serverPid;
    if (auto s = server->sample())
      report.serverRssStartBytes = s->rssBytes;
    else
      throw std::runtime_error("--server-pid " + std::to_string(*options_.serverPid) +
                               ": no such process");
  }
  if (options_.janusUrl.empty())
    sessionId_ = options_.sessionId.empty() ? createSession() : options_.sessionId;
  const auto deadline = [&] {
    return std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               std::chrono::duration<double>(options_.connectTimeoutSeconds));
  };

  // Publishers, then (once their streams exist) subscribers.
  const size_t publishers = static_cast<size_t>(options_.publishers);
  progress("starting " + std::to_string(publishers) + " publisher(s)");
  startClients(true, publishers);
  auto until = deadline();
  while (publishersDone_ < publishers && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  size_t streams = 0;
  {
    std::promise<size_t> n;
    boost::asio::post(io_, [&] { n.set_value(streams_.size()); });
    streams = n.get_future().get();
  }
  progress(std::to_string(streams) + " stream(s) published");
  const size_t subscribers = static_cast<size_t>(options_.subscribers);
  const size_t expected =
      streams == 0 ? 0 : (options_.perPublisher ? subscribers : subscribers * streams);
  if (streams > 0 && subscribers > 0) {
    progress("starting " + std::to_string(subscribers) + " subscriber(s)");
    startClients(false, subscribers);
    until = deadline() + std::chrono::milliseconds(
                             static_cast<int64_t>(1000.0 * subscribers / options_.rampPerSecond));
    size_t connected = 0, failed = 0;
    auto lastReport = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < until) {
      size_t settled = settledSubscriptions(connected, failed);
      const size_t joinFailures = joinFailed_.load();
      if (settled + joinFailures * (options_.perPublisher ? 1 : streams) >= expected) break;
      if (std::chrono::steady_clock::now() - lastReport > std::chrono::seconds(2)) {
        progress(std::to_string(connected) + "/" + std::to_string(expected) +
                 " subscriptions receiving video");
        lastReport = std::chrono::steady_clock::now();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    progress(std::to_string(connected) + "/" + std::to_string(expected) +
             " subscriptions receiving");
  }
  if (options_.settleSeconds > 0) {
    // The last joins' handshakes and first keyframes can leave the server behind for a
    // moment; measuring from here would count that backlog as forwarding latency.
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", options_.settleSeconds);
    progress(std::string("settling for ") + seconds + " s");
    std::this_thread::sleep_for(std::chrono::duration<double>(options_.settleSeconds));
  }

  measure(report);

  // Join figures.
  LatencyHistogram joins, keyframes;
  {
    std::lock_guard lock(errorsMutex_);
    for (int64_t us : joinUs_) joins.add(us);
  }
  size_t connected = 0, failedMedia = 0;
  for (auto& loop : loops_) {
    loop->call([&] {
      for (const auto& p : loop->peers()) {
        if (p->kind() != LoadPeer::Kind::Subscriber) {
          if (p->failed()) addError("publisher media: " + p->failure());
          continue;
        }
        if (p->failed()) {
          ++failedMedia;
          addError("subscriber media: " + p->failure());
        } else if (p->connected()) {
          ++connected;
        }
        if (p->firstKeyframeUs()) keyframes.add(*p->firstKeyframeUs() - p->requestedUs());
      }
    });
  }
  report.connectionsJoined = joined_.load();
  report.connectionsFailed = joinFailed_.load();
  report.subscribersConnected = connected;
  report.subscribersFailed = expected > connected ? expected - connected : 0;
  report.joinMs = Distribution::of(joins, 0.001);
  report.firstKeyframeMs = Distribution::of(keyframes, 0.001);
  {
    std::lock_guard lock(errorsMutex_);
    for (const auto& e : errors_) report.addError(e);
  }
  report.derive();

  // Leave: signaling first (the server sees clean departures), then media.
  {
    std::promise<void> closed;
    boost::asio::post(io_, [&] {
      for (auto& c : clients_) c->signaling->close();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (auto& loop : loops_) loop->stop();
  {
    std::promise<void> cleared;
    boost::asio::post(io_, [&] {
      clients_.clear();
      cleared.set_value();
    });
    cleared.get_future().wait();
  }
  work.reset();
  return report;
}

}  // namespace parley::load
