#include "session/BroadcastManager.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

#include "core/AsciiCase.h"
#include "core/Clock.h"
#include "core/Crypto.h"
#include "obs/Logger.h"
#include "record/compose/Layout.h"
#include "session/CompositionFeed.h"
#include "session/RecordedTracks.h"
#include "session/RecordingRules.h"
#include "session/SessionManager.h"
#include "store/StoreError.h"

namespace parley::session {

namespace fs = std::filesystem;
using obs::Logger;

namespace {

constexpr const char* kMaxDuration = "maximum duration exceeded";
constexpr const char* kSessionEnded = "session ended";
constexpr const char* kShutdown = "server shutdown";

const char* rtmpStatusName(record::RtmpMuxer::Status s) {
  using S = record::RtmpMuxer::Status;
  switch (s) {
    case S::Connecting:
      return "connecting";
    case S::Live:
      return "live";
    case S::Offline:
      return "offline";
    case S::Error:
      return "error";
  }
  return "error";
}

}  // namespace

BroadcastManager::BroadcastManager(store::Store& store, SessionManager& sessions,
                                   media::MediaService& media, record::Recorder& recorder,
                                   Post post, Settings settings, NowMs now)
    : store_(store),
      sessions_(sessions),
      media_(media),
      recorder_(recorder),
      post_(std::move(post)),
      settings_(std::move(settings)),
      now_(now ? std::move(now) : NowMs([] { return core::Clock::nowMs(); })) {}

BroadcastManager::~BroadcastManager() {
  *alive_ = false;
}

BroadcastManager::Outcome BroadcastManager::fail(Status status, std::string message) const {
  return Outcome{status, std::move(message), std::nullopt};
}

BroadcastManager::Entry* BroadcastManager::findEntry(const std::string& apiKey,
                                                     const std::string& broadcastId) {
  auto it = entries_.find(broadcastId);
  if (it == entries_.end() || it->second->broadcast.apiKey != apiKey) return nullptr;
  return it->second.get();
}

BroadcastManager::Outcome BroadcastManager::notRunning(const std::string& apiKey,
                                                       const std::string& broadcastId,
                                                       const std::string& what) {
  if (!findEntry(apiKey, broadcastId)) return fail(Status::NotFound, "Broadcast not found");
  return fail(Status::Conflict, "The broadcast has stopped: cannot " + what);
}

std::vector<BroadcastManager::Entry*> BroadcastManager::runningIn(const std::string& sessionId) {
  std::vector<Entry*> out;
  for (auto& [id, e] : entries_)
    if (e->broadcast.sessionId == sessionId && e->broadcast.status == "started")
      out.push_back(e.get());
  return out;
}

// ---------------------------------------------------------------- REST

BroadcastManager::Outcome BroadcastManager::start(const std::string& apiKey,
                                                  const core::BroadcastOptions& options) {
  if (auto refusal = RecordingRules::sessionRefusal(store_, apiKey, options.sessionId, "broadcast"))
    return fail(refusal->status, std::move(refusal->message));
  if (!options.hls && options.rtmp.empty())
    return fail(Status::Invalid, "outputs must have hls, rtmp or both");
  if (!options.hasAudio && !options.hasVideo)
    return fail(Status::Invalid, "hasAudio and hasVideo cannot both be false");
  std::string why;
  if (!CompositionFeed::layoutOf(options, &why)) return fail(Status::Invalid, "layout: " + why);
  const auto here = runningIn(options.sessionId);
  for (const Entry* e : here)
    if (RecordingRules::tagsClash(options.multiBroadcastTag, e->broadcast.multiBroadcastTag))
      return fail(Status::Conflict,
                  "The session is already being broadcast (start another broadcast with a "
                  "distinct multiBroadcastTag)");
  if (here.size() >= settings_.maxPerSession)
    return fail(Status::Conflict, "Too many broadcasts are running in this session");
  if (running_ >= settings_.maxRunning)
    return fail(Status::Conflict, "Too many broadcasts are running on this server");

  auto e = std::make_unique<Entry>();
  Broadcast& b = e->broadcast;
  b.id = core::Crypto::uuid4();
  b.apiKey = apiKey;
  b.sessionId = options.sessionId;
  b.status = "started";
  b.createdAtMs = core::Clock::nowMs();
  b.updatedAtMs = b.createdAtMs;
  b.maxDurationS = options.maxDurationS;
  b.resolution = options.resolution;
  b.streamMode = core::ArchiveOptions::streamModeName(options.streamMode);
  b.multiBroadcastTag = options.multiBroadcastTag;
  b.hasAudio = options.hasAudio;
  b.hasVideo = options.hasVideo;
  b.maxBitrate = options.maxBitrate;
  b.hls = options.hls.has_value();
  b.dvr = b.hls && options.hls->dvr;
  b.lowLatency = b.hls && options.hls->lowLatency;
  for (const auto& t : options.rtmp) b.rtmp.push_back(RtmpTarget{t.id, t.serverUrl, t.streamName});
  e->directory = (fs::path(settings_.directory) / b.id).string();

  std::string error;
  e->composer = startComposer(*e, options, &error);
  if (!e->composer) {
    Logger::error("cannot start a broadcast: its composer did not start",
                  {{"dir", e->directory}, {"error", error}});
    std::error_code ec;
    fs::remove_all(e->directory, ec);
    return fail(Status::Unavailable, "The broadcast cannot be started on this server");
  }
  Logger::info("broadcast started", {{"broadcastId", b.id},
                                     {"sessionId", b.sessionId},
                                     {"hls", b.hls},
                                     {"rtmp", static_cast<long long>(b.rtmp.size())}});
  Entry& ref = *e;
  ref.startedMs = now_();
  entries_[b.id] = std::move(e);
  ++running_;

  const LiveSession* live = sessions_.session(b.sessionId);
  if (!live || live->connections.empty()) ref.emptySinceMs = now_();
  if (live && options.streamMode == core::ArchiveOptions::StreamMode::Auto) {
    for (const auto& streamId : live->streamOrder) {
      const Stream& st = live->streams.at(streamId);
      if (st.announced) include(ref, st.id, b.hasAudio, b.hasVideo);
    }
  }
  if (statusListener_) statusListener_(ref.broadcast);
  return Outcome{Status::Ok, {}, ref.broadcast};
}

BroadcastManager::Outcome BroadcastManager::stop(const std::string& apiKey,
                                                 const std::string& broadcastId) {
  Entry* e = findEntry(apiKey, broadcastId);
  if (!e || e->broadcast.status != "started") return notRunning(apiKey, broadcastId, "stop it");
  stopRunning(*e, "");
  return Outcome{Status::Ok, {}, e->broadcast};
}

std::optional<BroadcastManager::Broadcast> BroadcastManager::find(
    const std::string& apiKey, const std::string& broadcastId) const {
  auto it = entries_.find(broadcastId);
  if (it == entries_.end() || it->second->broadcast.apiKey != apiKey) return std::nullopt;
  return it->second->broadcast;
}

BroadcastManager::Page BroadcastManager::list(const std::string& apiKey,
                                              const std::string& sessionId, std::size_t offset,
                                              std::size_t count) const {
  std::vector<const Broadcast*> all;
  for (const auto& [id, e] : entries_)
    if (e->broadcast.apiKey == apiKey && (sessionId.empty() || e->broadcast.sessionId == sessionId))
      all.push_back(&e->broadcast);
  std::sort(all.begin(), all.end(), [](const Broadcast* a, const Broadcast* b) {
    return a->createdAtMs != b->createdAtMs ? a->createdAtMs > b->createdAtMs : a->id < b->id;
  });
  Page page;
  page.total = all.size();
  for (std::size_t i = offset; i < all.size() && page.items.size() < count; ++i)
    page.items.push_back(*all[i]);
  return page;
}

BroadcastManager::Outcome BroadcastManager::setLayout(const std::string& apiKey,
                                                      const std::string& broadcastId,
                                                      const core::ArchiveOptions& layout) {
  Entry* e = findEntry(apiKey, broadcastId);
  if (!e || e->broadcast.status != "started")
    return notRunning(apiKey, broadcastId, "change its layout");
  std::string why;
  auto composition = CompositionFeed::layoutOf(layout, &why);
  if (!composition) return fail(Status::Invalid, "layout: " + why);
  if (e->composer) e->composer->setLayout(std::move(*composition));
  e->broadcast.updatedAtMs = core::Clock::nowMs();
  return Outcome{Status::Ok, {}, e->broadcast};
}

BroadcastManager::Outcome BroadcastManager::addStream(const std::string& apiKey,
                                                      const std::string& broadcastId,
                                                      const std::string& streamId, bool hasAudio,
                                                      bool hasVideo) {
  Entry* e = findEntry(apiKey, broadcastId);
  if (!e || e->broadcast.status != "started")
    return notRunning(apiKey, broadcastId, "add a stream");
  Broadcast& b = e->broadcast;
  if (b.streamMode != "manual")
    return fail(Status::NotAllowed, "The broadcast's streamMode is auto: streams cannot be chosen");
  if (!hasAudio && !hasVideo)
    return fail(Status::Invalid, "hasAudio and hasVideo cannot both be false");
  const LiveSession* live = sessions_.session(b.sessionId);
  const Stream* st = live ? live->stream(streamId) : nullptr;
  if (!st || !st->announced) return fail(Status::NotFound, "Stream not found");
  if (!RecordingRules::addStream(b.streams, streamId, hasAudio, hasVideo))
    return fail(Status::Conflict, "The stream is already in the broadcast");
  b.updatedAtMs = core::Clock::nowMs();
  include(*e, streamId, hasAudio && b.hasAudio, hasVideo && b.hasVideo);
  return Outcome{};
}

BroadcastManager::Outcome BroadcastManager::removeStream(const std::string& apiKey,
                                                         const std::string& broadcastId,
                                                         const std::string& streamId) {
  Entry* e = findEntry(apiKey, broadcastId);
  if (!e || e->broadcast.status != "started")
    return notRunning(apiKey, broadcastId, "remove a stream");
  Broadcast& b = e->broadcast;
  if (b.streamMode != "manual")
    return fail(Status::NotAllowed, "The broadcast's streamMode is auto: streams cannot be chosen");
  if (!RecordingRules::removeStream(b.streams, streamId))
    return fail(Status::NotFound, "The stream is not in the broadcast");
  b.updatedAtMs = core::Clock::nowMs();
  exclude(*e, streamId, true);
  return Outcome{};
}

std::string BroadcastManager::hlsDirectory(const std::string& broadcastId) const {
  auto it = entries_.find(broadcastId);
  if (it == entries_.end() || !it->second->broadcast.hls || it->second->filesRemoved) return {};
  return (fs::path(it->second->directory) / "hls").string();
}

// ---------------------------------------------------------------- composition

std::unique_ptr<record::Composer> BroadcastManager::startComposer(
    const Entry& e, const core::BroadcastOptions& options, std::string* error) {
  const Broadcast& b = e.broadcast;
  const record::Composer::Settings cs =
      CompositionFeed::settings(b.resolution, b.hasAudio, b.hasVideo, b.maxBitrate,
                                settings_.composerFramesPerSecond, settings_.composerDelayMs);

  record::Composer::Outputs outputs;
  if (b.hls) {
    record::HlsMuxer::Settings hls;
    hls.directory = (fs::path(e.directory) / "hls").string();
    hls.dvr = b.dvr;
    hls.lowLatency = b.lowLatency;
    outputs.hls = std::move(hls);
  }
  // Targets are told apart by their index: ids are optional.
  for (std::size_t i = 0; i < options.rtmp.size(); ++i) {
    record::RtmpMuxer::Vet vet;
    if (settings_.rtmpRefusal)
      vet = [refusal = settings_.rtmpRefusal, target = options.rtmp[i]] {
        return refusal(target.host(), target.port());
      };
    outputs.rtmp.push_back({std::to_string(i), options.rtmp[i].url(), std::move(vet)});
  }
  std::weak_ptr<bool> alive = alive_;
  const std::string broadcastId = b.id;
  outputs.rtmpStatus = [this, alive, broadcastId](const std::string& id,
                                                  record::RtmpMuxer::Status status,
                                                  const std::string& why) {
    std::size_t target = 0;
    if (std::from_chars(id.data(), id.data() + id.size(), target).ec != std::errc()) return;
    post_([this, alive, broadcastId, target, status, why] {
      if (auto live = alive.lock(); live && *live) rtmpChanged(broadcastId, target, status, why);
    });
  };
  auto finished = [this, alive, broadcastId](const record::Composer::Result& result) {
    post_([this, alive, broadcastId, result] {
      if (auto live = alive.lock(); live && *live) composerFinished(broadcastId, result);
    });
  };
  std::string why;
  auto layout = CompositionFeed::layoutOf(options, &why);
  return record::Composer::create(std::move(outputs), cs,
                                  layout ? std::move(*layout) : record::compose::Layout::bestFit(),
                                  std::move(finished), error);
}

void BroadcastManager::include(Entry& e, const std::string& streamId, bool hasAudio,
                               bool hasVideo) {
  if (!e.composer) return;
  for (const auto& t : e.taps)
    if (t.streamId == streamId && t.attached) return;  // already in
  const std::string& broadcastId = e.broadcast.id;
  if (e.taps.size() >= settings_.maxStreamsPerBroadcast) {
    if (!e.tapLimitLogged)
      Logger::warn("broadcast takes no more streams: too many publications",
                   {{"broadcastId", broadcastId}});
    e.tapLimitLogged = true;
    return;
  }
  const std::string& sessionId = e.broadcast.sessionId;
  auto recorded =
      RecordedTracks::of(media_.publishedTracks(sessionId, streamId), hasAudio, hasVideo);
  if (recorded.tracks.empty()) {
    Logger::info("broadcast skips a stream with nothing to compose",
                 {{"broadcastId", broadcastId}, {"streamId", streamId}});
    return;
  }
  const std::uint64_t tapId = nextTapId_++;
  std::weak_ptr<bool> alive = alive_;
  auto wantKeyframe = [this, alive, sessionId, streamId] {
    post_([this, alive, sessionId, streamId] {
      if (auto a = alive.lock(); a && *a) media_.requestKeyframe(sessionId, streamId);
    });
  };
  auto writer = CompositionFeed::join(*e.composer, sessions_.session(sessionId), streamId, tapId,
                                      std::move(recorded.tracks), std::move(wantKeyframe));
  e.taps.push_back(Tap{streamId, tapId, true});
  auto ring = std::make_shared<record::PacketRing>(settings_.ringPackets);
  recorder_.add(ring, std::move(writer));
  media_.startRecording(sessionId, streamId, tapId, std::move(ring), std::move(recorded.outputs));
  Logger::info("broadcast composes a stream",
               {{"broadcastId", broadcastId}, {"streamId", streamId}});
}

void BroadcastManager::exclude(Entry& e, const std::string& streamId, bool stopTap) {
  for (auto& t : e.taps) {
    if (t.streamId != streamId || !t.attached) continue;
    t.attached = false;
    if (stopTap) media_.stopRecording(e.broadcast.sessionId, t.tapId);
  }
}

void BroadcastManager::stopRunning(Entry& e, const std::string& reason) {
  Broadcast& b = e.broadcast;
  b.status = "stopped";
  b.reason = reason;
  b.updatedAtMs = core::Clock::nowMs();
  --running_;
  for (auto& t : e.taps)
    if (t.attached) {
      t.attached = false;
      media_.stopRecording(b.sessionId, t.tapId);
    }
  // The composer ends the playlist and the RTMP streams, then reports (composerFinished).
  if (e.composer) e.composer->stop();
  e.removeFilesAtMs = now_() + settings_.hlsKeepS * 1000;
  Logger::info(
      "broadcast stopped",
      {{"broadcastId", b.id},
       {"reason", reason.empty() ? "user initiated" : reason},
       {"durationMs", static_cast<long long>(std::max<std::int64_t>(0, now_() - e.startedMs))}});
  stopped_.push_back(b.id);
  if (statusListener_) statusListener_(b);
}

void BroadcastManager::trimHistory() {
  while (stopped_.size() > settings_.keptStopped) {
    auto it = entries_.find(stopped_.front());
    stopped_.pop_front();
    if (it == entries_.end()) continue;
    // A composer still ending is waited for here (only when a thousand stops came at once),
    // so that nothing writes into the directory after it is removed.
    it->second->composer.reset();
    removeFiles(*it->second);
    entries_.erase(it);
  }
}

void BroadcastManager::composerFinished(const std::string& broadcastId,
                                        const record::Composer::Result& result) {
  auto it = entries_.find(broadcastId);
  if (it == entries_.end() || !it->second->composer) return;
  Entry& e = *it->second;
  Logger::info("broadcast composition finished",
               {{"broadcastId", broadcastId},
                {"durationMs", static_cast<long long>(result.durationMs)},
                {"pictures", static_cast<long long>(result.pictures)},
                {"picturesSkipped", static_cast<long long>(result.picturesSkipped)},
                {"decodeErrors", static_cast<long long>(result.decodeErrors)}});
  if (!result.ok)
    Logger::error("broadcast composition failed",
                  {{"broadcastId", broadcastId}, {"error", result.error}});
  // A composer that failed on its own (a full disk) ends the broadcast.
  if (e.broadcast.status == "started") stopRunning(e, result.ok ? "" : "composition failed");
  e.composer.reset();  // its thread has ended or is about to
}

void BroadcastManager::rtmpChanged(const std::string& broadcastId, std::size_t target,
                                   record::RtmpMuxer::Status status, const std::string& why) {
  auto it = entries_.find(broadcastId);
  if (it == entries_.end()) return;
  Broadcast& b = it->second->broadcast;
  if (target >= b.rtmp.size()) return;
  b.rtmp[target].status = rtmpStatusName(status);
  Logger::info("broadcast RTMP target " + b.rtmp[target].status,
               {{"broadcastId", broadcastId}, {"target", b.rtmp[target].id}, {"why", why}});
}

void BroadcastManager::removeFiles(Entry& e) {
  if (e.filesRemoved) return;
  e.filesRemoved = true;
  std::error_code ec;
  fs::remove_all(e.directory, ec);
  if (ec)
    Logger::warn("broadcast files not removed", {{"dir", e.directory}, {"error", ec.message()}});
}

// ---------------------------------------------------------------- session news

void BroadcastManager::connectionCreated(const Connection& connection) {
  for (Entry* e : runningIn(connection.sessionId)) e->emptySinceMs.reset();
}

void BroadcastManager::connectionDestroyed(const Connection& connection, const std::string&) {
  const LiveSession* live = sessions_.session(connection.sessionId);
  if (live && !live->connections.empty()) return;
  for (Entry* e : runningIn(connection.sessionId)) e->emptySinceMs = now_();
}

void BroadcastManager::streamCreated(const Stream& stream, const Connection& owner) {
  for (Entry* e : runningIn(owner.sessionId))
    if (e->broadcast.streamMode == "auto")
      include(*e, stream.id, e->broadcast.hasAudio, e->broadcast.hasVideo);
}

void BroadcastManager::streamDestroyed(const Stream& stream, const Connection& owner,
                                       const std::string&) {
  // The SFU closes the publication's taps itself.
  for (Entry* e : runningIn(owner.sessionId)) exclude(*e, stream.id, false);
}

void BroadcastManager::streamChanged(const Stream& stream, const Connection& owner) {
  for (Entry* e : runningIn(owner.sessionId)) {
    if (!e->composer) continue;
    e->composer->setStreamClasses(stream.id, stream.layoutClassList);
    e->composer->setStreamVideo(stream.id, stream.hasVideo());
  }
}

void BroadcastManager::tick() {
  const std::int64_t now = now_();
  std::vector<std::pair<Entry*, const char*>> due;
  for (auto& [id, e] : entries_) {
    if (e->broadcast.status != "started") {
      if (e->removeFilesAtMs && now >= *e->removeFilesAtMs) removeFiles(*e);
      continue;
    }
    if (now - e->startedMs >= e->broadcast.maxDurationS * 1000)
      due.emplace_back(e.get(), kMaxDuration);
    else if (e->emptySinceMs && now - *e->emptySinceMs >= settings_.emptyStopS * 1000)
      due.emplace_back(e.get(), kSessionEnded);
  }
  for (auto& [e, reason] : due) stopRunning(*e, reason);
  trimHistory();
}

void BroadcastManager::removeLeftovers() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(settings_.directory, ec)) {
    std::error_code ignored;
    if (!entries_.count(entry.path().filename().string())) fs::remove_all(entry.path(), ignored);
  }
}

void BroadcastManager::finishAtShutdown() {
  for (auto& [id, e] : entries_) {
    if (e->broadcast.status == "started") stopRunning(*e, kShutdown);
    if (e->composer) {
      e->composer->stop();
      e->composer->join();
      e->composer.reset();
    }
    removeFiles(*e);
  }
}

}  // namespace parley::session
