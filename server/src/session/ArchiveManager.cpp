#include "session/ArchiveManager.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "core/AsciiCase.h"
#include "core/Clock.h"
#include "core/Crypto.h"
#include "obs/Logger.h"
#include "record/StreamFileWriter.h"
#include "record/compose/Layout.h"
#include "session/ArchiveJson.h"
#include "session/CompositionFeed.h"
#include "session/OutboundMessage.h"
#include "session/RecordedTracks.h"
#include "session/RecordingRules.h"
#include "session/SessionManager.h"
#include "store/StoreError.h"

namespace parley::session {

namespace fs = std::filesystem;
using core::Json;
using obs::Logger;

namespace {

// OpenTok's reasons (docs/protocol.md §3.4.2).
constexpr const char* kMaxDuration = "maximum duration exceeded";
constexpr const char* kSessionEnded = "session ended";
constexpr const char* kShutdown = "server shutdown";
constexpr const char* kCrashed = "server stopped unexpectedly";

}  // namespace

ArchiveManager::ArchiveManager(store::Store& store, SessionManager& sessions,
                               media::MediaService& media, record::Recorder& recorder,
                               record::JobThread& packager, Post post, Settings settings, NowMs now)
    : store_(store),
      sessions_(sessions),
      media_(media),
      recorder_(recorder),
      packager_(packager),
      post_(std::move(post)),
      settings_(std::move(settings)),
      now_(now ? std::move(now) : NowMs([] { return core::Clock::nowMs(); })) {}

ArchiveManager::~ArchiveManager() {
  *alive_ = false;
}

ArchiveManager::Outcome ArchiveManager::fail(Status status, std::string message) const {
  return Outcome{status, std::move(message), std::nullopt};
}

std::string ArchiveManager::filePath(const std::string& archiveId,
                                     const std::string& outputMode) const {
  return (fs::path(settings_.directory) /
          (archiveId + (outputMode == "composed" ? ".mp4" : ".zip")))
      .string();
}

std::int64_t ArchiveManager::sinceStart(const Running& r) const {
  return std::max<std::int64_t>(0, now_() - r.startedMs);
}

ArchiveManager::Running* ArchiveManager::findRunning(const std::string& apiKey,
                                                     const std::string& archiveId) {
  auto it = running_.find(archiveId);
  if (it == running_.end() || it->second->record.apiKey != apiKey) return nullptr;
  return it->second.get();
}

ArchiveManager::Outcome ArchiveManager::notRunning(const std::string& apiKey,
                                                   const std::string& archiveId,
                                                   const std::string& what) {
  if (!store_.findArchive(apiKey, archiveId)) return fail(Status::NotFound, "Archive not found");
  return fail(Status::Conflict, "The archive is not recording: cannot " + what);
}

std::vector<ArchiveManager::Running*> ArchiveManager::runningIn(const std::string& sessionId) {
  std::vector<Running*> out;
  for (auto& [id, r] : running_)
    if (r->record.sessionId == sessionId && !r->stopping) out.push_back(r.get());
  return out;
}

// ---------------------------------------------------------------- REST

ArchiveManager::Outcome ArchiveManager::start(const std::string& apiKey,
                                              const core::ArchiveOptions& options) {
  if (auto refusal = RecordingRules::sessionRefusal(store_, apiKey, options.sessionId, "archived"))
    return fail(refusal->status, std::move(refusal->message));
  if (!options.hasAudio && !options.hasVideo)
    return fail(Status::Invalid, "hasAudio and hasVideo cannot both be false");
  const bool composed = options.outputMode == core::ArchiveOptions::OutputMode::Composed;
  std::string layoutError;
  if (composed && !CompositionFeed::layoutOf(options, &layoutError))
    return fail(Status::Invalid, "layout: " + layoutError);
  const auto here = runningIn(options.sessionId);
  for (const Running* r : here)
    if (RecordingRules::tagsClash(options.multiArchiveTag, r->record.multiArchiveTag))
      return fail(Status::Conflict,
                  "The session is already being archived (start another one with a distinct "
                  "multiArchiveTag)");
  if (here.size() >= settings_.maxPerSession)
    return fail(Status::Conflict, "Too many archives are recording in this session");
  if (running_.size() >= settings_.maxRunning)
    return fail(Status::Conflict, "Too many archives are recording on this server");

  auto r = std::make_unique<Running>();
  store::ArchiveRecord& a = r->record;
  a.id = core::Crypto::uuid4();
  a.apiKey = apiKey;
  a.sessionId = options.sessionId;
  a.name = options.name;
  a.status = "started";
  a.outputMode = core::ArchiveOptions::outputModeName(options.outputMode);
  a.streamMode = core::ArchiveOptions::streamModeName(options.streamMode);
  a.hasAudio = options.hasAudio;
  a.hasVideo = options.hasVideo;
  a.multiArchiveTag = options.multiArchiveTag;
  a.maxBitrate = options.maxBitrate.value_or(0);
  a.quantizationParameter = options.quantizationParameter.value_or(0);
  if (composed) {
    a.resolution = options.resolution;
    Json l = Json::object({{"type", options.layoutType}});
    if (!options.layoutStylesheet.empty()) l.set("stylesheet", options.layoutStylesheet);
    if (!options.screenshareType.empty()) l.set("screenshareType", options.screenshareType);
    a.layoutJson = l.dump();
  }
  a.createdAtMs = core::Clock::nowMs();
  a.updatedAtMs = a.createdAtMs;
  r->directory = (fs::path(settings_.directory) / a.id).string();
  r->index.archiveId = a.id;
  r->index.sessionId = a.sessionId;
  r->index.name = a.name;
  r->index.createdAtMs = a.createdAtMs;

  std::error_code ec;
  fs::create_directories(r->directory, ec);
  std::string error;
  if (ec || !r->index.save(r->directory, &error)) {
    Logger::error("cannot start an archive: its directory is not writable",
                  {{"dir", r->directory}, {"error", ec ? ec.message() : error}});
    fs::remove_all(r->directory, ec);
    return fail(Status::Unavailable, "The archive cannot be stored on this server");
  }
  if (composed) {
    r->composer = startComposer(a, r->directory, options, &error);
    if (!r->composer) {
      Logger::error("cannot start an archive: its composer did not start",
                    {{"dir", r->directory}, {"error", error}});
      fs::remove_all(r->directory, ec);
      return fail(Status::Unavailable, "The archive cannot be composed on this server");
    }
    r->composing = true;
  }
  store_.insertArchive(a);  // throws StoreError: nothing else happened yet
  Logger::info("archive started",
               {{"archiveId", a.id}, {"sessionId", a.sessionId}, {"streamMode", a.streamMode}});
  Running& ref = *r;
  // The archive's time zero: streams already published start at offset 0.
  ref.startedMs = now_();
  running_[a.id] = std::move(r);

  const LiveSession* live = sessions_.session(a.sessionId);
  if (!live || live->connections.empty()) ref.emptySinceMs = now_();
  if (live && options.streamMode == core::ArchiveOptions::StreamMode::Auto) {
    for (const auto& streamId : live->streamOrder) {
      const Stream& st = live->streams.at(streamId);
      if (!st.announced) continue;
      const Connection* owner = live->connection(st.connectionId);
      record(ref, st.id, owner ? owner->data : "", a.hasAudio, a.hasVideo);
    }
  }
  tellClients(a, "created");
  if (statusListener_) statusListener_(a);
  return Outcome{Status::Ok, {}, a};
}

ArchiveManager::Outcome ArchiveManager::stop(const std::string& apiKey,
                                             const std::string& archiveId) {
  Running* r = findRunning(apiKey, archiveId);
  if (!r || r->stopping) return notRunning(apiKey, archiveId, "stop it");
  stopRunning(*r, "");
  return Outcome{Status::Ok, {}, r->record};
}

ArchiveManager::Outcome ArchiveManager::remove(const std::string& apiKey,
                                               const std::string& archiveId) {
  auto it = running_.find(archiveId);
  if ((it != running_.end() && it->second->record.apiKey == apiKey) || recovering_.count(archiveId))
    return fail(Status::Conflict, "The archive is recording or being packaged: stop it first");
  if (!store_.deleteArchive(apiKey, archiveId)) return fail(Status::NotFound, "Archive not found");
  std::error_code ec;
  fs::remove(filePath(archiveId, "individual"), ec);
  fs::remove(filePath(archiveId, "composed"), ec);
  fs::remove_all(fs::path(settings_.directory) / archiveId, ec);
  Logger::info("archive deleted", {{"archiveId", archiveId}});
  return Outcome{};
}

ArchiveManager::Outcome ArchiveManager::addStream(const std::string& apiKey,
                                                  const std::string& archiveId,
                                                  const std::string& streamId, bool hasAudio,
                                                  bool hasVideo) {
  Running* r = findRunning(apiKey, archiveId);
  if (!r || r->stopping) return notRunning(apiKey, archiveId, "add a stream");
  if (r->record.streamMode != "manual")
    return fail(Status::NotAllowed, "The archive's streamMode is auto: streams cannot be chosen");
  if (!hasAudio && !hasVideo)
    return fail(Status::Invalid, "hasAudio and hasVideo cannot both be false");
  const LiveSession* live = sessions_.session(r->record.sessionId);
  const Stream* st = live ? live->stream(streamId) : nullptr;
  if (!st || !st->announced) return fail(Status::NotFound, "Stream not found");
  Json streams = Json::parse(r->record.streamsJson).value_or(Json::array());
  if (!RecordingRules::addStream(streams, streamId, hasAudio, hasVideo))
    return fail(Status::Conflict, "The stream is already in the archive");
  r->record.streamsJson = streams.dump();
  r->record.updatedAtMs = core::Clock::nowMs();
  store_.updateArchive(r->record);
  const Connection* owner = live->connection(st->connectionId);
  record(*r, streamId, owner ? owner->data : "", hasAudio && r->record.hasAudio,
         hasVideo && r->record.hasVideo);
  return Outcome{};
}

ArchiveManager::Outcome ArchiveManager::removeStream(const std::string& apiKey,
                                                     const std::string& archiveId,
                                                     const std::string& streamId) {
  Running* r = findRunning(apiKey, archiveId);
  if (!r || r->stopping) return notRunning(apiKey, archiveId, "remove a stream");
  if (r->record.streamMode != "manual")
    return fail(Status::NotAllowed, "The archive's streamMode is auto: streams cannot be chosen");
  Json streams = Json::parse(r->record.streamsJson).value_or(Json::array());
  if (!RecordingRules::removeStream(streams, streamId))
    return fail(Status::NotFound, "The stream is not in the archive");
  r->record.streamsJson = streams.dump();
  r->record.updatedAtMs = core::Clock::nowMs();
  store_.updateArchive(r->record);
  for (auto& f : r->files)
    if (f.streamId == streamId && f.recording) endFile(*r, f, true);
  return Outcome{};
}

ArchiveManager::Outcome ArchiveManager::setLayout(const std::string& apiKey,
                                                  const std::string& archiveId,
                                                  const core::ArchiveOptions& layout) {
  auto stored = store_.findArchive(apiKey, archiveId);
  if (!stored) return fail(Status::NotFound, "Archive not found");
  std::string why;
  auto composition = CompositionFeed::layoutOf(layout, &why);
  if (!composition) return fail(Status::Invalid, "layout: " + why);
  Json l = Json::object({{"type", layout.layoutType}});
  if (!layout.layoutStylesheet.empty()) l.set("stylesheet", layout.layoutStylesheet);
  if (!layout.screenshareType.empty()) l.set("screenshareType", layout.screenshareType);
  // Kept for composed output; the running copy is updated too so a later write keeps it.
  if (Running* r = findRunning(apiKey, archiveId)) {
    r->record.layoutJson = l.dump();
    if (r->composer) r->composer->setLayout(std::move(*composition));
  }
  stored->layoutJson = l.dump();
  stored->updatedAtMs = core::Clock::nowMs();
  store_.updateArchive(stored.value());
  return Outcome{Status::Ok, {}, stored};
}

std::size_t ArchiveManager::composersFinishing() const {
  std::size_t n = 0;
  for (const auto& [id, r] : running_) n += r->stopping && r->composing;
  return n;
}

Json ArchiveManager::clientState(const std::string& sessionId) const {
  Json out = Json::array();
  for (const auto& [id, r] : running_)
    if (r->record.sessionId == sessionId && !r->stopping)
      out.push(ArchiveJson::clientView(r->record));
  return out;
}

// ---------------------------------------------------------------- recording

void ArchiveManager::record(Running& r, const std::string& streamId,
                            const std::string& connectionData, bool hasAudio, bool hasVideo) {
  for (const auto& f : r.files)
    if (f.streamId == streamId && f.recording) return;  // already recording it
  if (r.files.size() >= settings_.maxFilesPerArchive) {
    if (!r.fileLimitLogged)
      Logger::warn("archive records no more streams: too many files",
                   {{"archiveId", r.record.id}, {"files", static_cast<long long>(r.files.size())}});
    r.fileLimitLogged = true;
    return;
  }
  auto recorded =
      RecordedTracks::of(media_.publishedTracks(r.record.sessionId, streamId), hasAudio, hasVideo);
  if (recorded.tracks.empty()) {
    Logger::info("archive skips a stream with nothing to record",
                 {{"archiveId", r.record.id}, {"streamId", streamId}});
    return;
  }
  // A stream that publishes again under the same id gets a file of its own.
  std::size_t same = 0;
  for (const auto& f : r.files) same += f.streamId == streamId;
  // H.264 goes into Matroska (.mkv, as OpenTok names it), the rest into WebM.
  const std::string filename = streamId + (same ? "-" + std::to_string(same + 1) : "") +
                               (recorded.hasH264() ? ".mkv" : ".webm");
  const std::uint64_t tapId = nextTapId_++;
  const std::string archiveId = r.record.id;
  const std::string sessionId = r.record.sessionId;
  std::weak_ptr<bool> alive = alive_;
  auto wantKeyframe = [this, alive, sessionId, streamId] {
    post_([this, alive, sessionId, streamId] {
      if (auto a = alive.lock(); a && *a) media_.requestKeyframe(sessionId, streamId);
    });
  };
  auto onFinished = [this, alive, archiveId, tapId](const record::StreamFileWriter::Result& res) {
    post_([this, alive, archiveId, tapId, res] {
      if (auto a = alive.lock(); a && *a) fileFinished(archiveId, tapId, res);
    });
  };
  std::unique_ptr<record::PacketWriter> writer;
  if (r.composer) {
    // Composed output: the stream joins the archive's composition.
    writer = CompositionFeed::join(*r.composer, sessions_.session(sessionId), streamId, tapId,
                                   std::move(recorded.tracks), std::move(wantKeyframe));
  } else {
    std::string error;
    writer = record::StreamFileWriter::create(
        (fs::path(r.directory) / filename).string(), std::move(recorded.tracks), 0,
        std::move(wantKeyframe), std::move(onFinished), &error);
    if (!writer) {
      Logger::error("archive cannot create a stream file",
                    {{"archiveId", archiveId}, {"streamId", streamId}, {"error", error}});
      if (r.fileError.empty()) r.fileError = error;
      return;
    }
  }
  record::ArchiveIndex::File entry;
  entry.streamId = streamId;
  entry.connectionData = connectionData;
  entry.filename = r.composer ? "" : filename;
  entry.startTimeOffsetMs = sinceStart(r);
  r.index.files.push_back(entry);
  // A composition's streams have no file of their own to wait for.
  const bool composed = r.composer != nullptr;
  r.files.push_back(RecordedFile{streamId, tapId, r.index.files.size() - 1, true, composed});
  if (!composed) ++r.unfinished;
  saveIndex(r);
  auto ring = std::make_shared<record::PacketRing>(settings_.ringPackets);
  recorder_.add(ring, std::move(writer));
  media_.startRecording(sessionId, streamId, tapId, std::move(ring), std::move(recorded.outputs));
  Logger::info("archive records a stream", {{"archiveId", archiveId},
                                            {"streamId", streamId},
                                            {"file", composed ? "(composed)" : filename}});
}

void ArchiveManager::endFile(Running& r, RecordedFile& f, bool stopTap) {
  if (!f.recording) return;
  f.recording = false;
  r.index.files[f.indexEntry].stopTimeOffsetMs = sinceStart(r);
  saveIndex(r);
  if (stopTap) media_.stopRecording(r.record.sessionId, f.tapId);
}

void ArchiveManager::fileFinished(const std::string& archiveId, std::uint64_t tapId,
                                  const record::StreamFileWriter::Result& result) {
  auto it = running_.find(archiveId);
  if (it == running_.end()) return;
  Running& r = *it->second;
  for (auto& f : r.files) {
    if (f.tapId != tapId || f.finished) continue;
    f.finished = true;
    --r.unfinished;
    // The publication went without a streamDestroyed (media lost): the file ends here.
    endFile(r, f, false);
    Logger::info("archive stream file finished",
                 {{"archiveId", archiveId},
                  {"streamId", f.streamId},
                  {"frames", static_cast<long long>(result.framesWritten)},
                  {"bytes", static_cast<long long>(result.bytesWritten)},
                  {"durationMs", static_cast<long long>(result.durationMs)},
                  {"packetsLost", static_cast<long long>(result.packetsLost)},
                  {"packetsDropped", static_cast<long long>(result.packetsDropped)},
                  {"syncShifts", static_cast<long long>(result.syncShifts)}});
    if (!result.ok) {
      Logger::error("archive stream file failed",
                    {{"archiveId", archiveId}, {"streamId", f.streamId}, {"error", result.error}});
      if (r.fileError.empty()) r.fileError = result.error;
    }
  }
  if (r.stopping && r.unfinished == 0 && !r.composing) startPackaging(r);
}

void ArchiveManager::saveIndex(Running& r) {
  std::string error;
  if (!r.index.save(r.directory, &error)) {
    Logger::error("archive index not saved", {{"archiveId", r.record.id}, {"error", error}});
    if (r.fileError.empty()) r.fileError = error;
  }
}

void ArchiveManager::stopRunning(Running& r, const std::string& reason) {
  r.stopping = true;
  for (auto& f : r.files) endFile(r, f, true);
  r.record.status = "stopped";
  r.record.reason = reason;
  r.record.durationMs = sinceStart(r);
  r.record.updatedAtMs = core::Clock::nowMs();
  Logger::info("archive stopped", {{"archiveId", r.record.id},
                                   {"reason", reason.empty() ? "user initiated" : reason},
                                   {"durationMs", static_cast<long long>(r.record.durationMs)}});
  statusChanged(r.record);
  tellClients(r.record, "updated");
  // The composer draws what is still due, then reports (composerFinished).
  if (r.composer) r.composer->stop();
  if (r.unfinished == 0 && !r.composing) startPackaging(r);
}

std::unique_ptr<record::Composer> ArchiveManager::startComposer(const store::ArchiveRecord& a,
                                                                const std::string& directory,
                                                                const core::ArchiveOptions& options,
                                                                std::string* error) {
  record::Composer::Settings cs = CompositionFeed::settings(
      options.resolution, options.hasAudio, options.hasVideo, options.maxBitrate,
      settings_.composerFramesPerSecond, settings_.composerDelayMs);
  cs.output.quantizationParameter = static_cast<int>(options.quantizationParameter.value_or(0));
  std::string why;
  auto layout = CompositionFeed::layoutOf(options, &why);
  std::weak_ptr<bool> alive = alive_;
  const std::string archiveId = a.id;
  auto finished = [this, alive, archiveId](const record::Composer::Result& result) {
    post_([this, alive, archiveId, result] {
      if (auto live = alive.lock(); live && *live) composerFinished(archiveId, result);
    });
  };
  return record::Composer::create(
      (fs::path(directory) / record::ArchivePackager::kComposedFileName).string(), cs,
      layout ? std::move(*layout) : record::compose::Layout::bestFit(), std::move(finished), error);
}

void ArchiveManager::composerFinished(const std::string& archiveId,
                                      const record::Composer::Result& result) {
  auto it = running_.find(archiveId);
  if (it == running_.end() || !it->second->composing) return;
  Running& r = *it->second;
  r.composing = false;
  Logger::info("archive composition finished",
               {{"archiveId", archiveId},
                {"durationMs", static_cast<long long>(result.durationMs)},
                {"pictures", static_cast<long long>(result.pictures)},
                {"picturesSkipped", static_cast<long long>(result.picturesSkipped)},
                {"decodeErrors", static_cast<long long>(result.decodeErrors)}});
  if (!result.ok) {
    Logger::error("archive composition failed",
                  {{"archiveId", archiveId}, {"error", result.error}});
    if (r.fileError.empty()) r.fileError = result.error;
  }
  // A composer that failed on its own (a full disk) ends the archive with what it wrote.
  if (!r.stopping) {
    stopRunning(r, "");
    return;
  }
  if (r.unfinished == 0) startPackaging(r);
}

record::ArchivePackager::Result ArchiveManager::packageFiles(const std::string& outputMode,
                                                             const std::string& directory,
                                                             const std::string& target,
                                                             std::int64_t durationMs) {
  return outputMode == "composed" ? record::ArchivePackager::packageComposed(directory, target)
                                  : record::ArchivePackager::package(directory, target, durationMs);
}

void ArchiveManager::startPackaging(Running& r) {
  const std::string archiveId = r.record.id;
  const std::string directory = r.directory;
  const std::string mode = r.record.outputMode;
  const std::string target = filePath(archiveId, mode);
  const std::int64_t durationMs = r.record.durationMs;
  std::weak_ptr<bool> alive = alive_;
  packager_.post([this, alive, archiveId, directory, mode, target, durationMs] {
    auto result = packageFiles(mode, directory, target, durationMs);
    if (result.ok) record::ArchivePackager::removeSources(directory);
    post_([this, alive, archiveId, result] {
      if (auto a = alive.lock(); a && *a) packaged(archiveId, result);
    });
  });
}

void ArchiveManager::applyPackaging(store::ArchiveRecord& a,
                                    const record::ArchivePackager::Result& result,
                                    const std::string& failure) {
  if (result.ok) {
    a.status = "available";
    a.sizeBytes = result.sizeBytes;
    a.sha256 = result.sha256Base64;
  } else {
    a.status = "failed";
    a.reason = failure + ": " + result.error;
  }
  a.updatedAtMs = core::Clock::nowMs();
  Logger::info("archive " + a.status, {{"archiveId", a.id},
                                       {"size", static_cast<long long>(a.sizeBytes)},
                                       {"files", static_cast<long long>(result.files)},
                                       {"reason", a.reason}});
  statusChanged(a);
}

void ArchiveManager::packaged(const std::string& archiveId,
                              const record::ArchivePackager::Result& result) {
  auto it = running_.find(archiveId);
  if (it == running_.end()) return;
  store::ArchiveRecord a = it->second->record;
  const std::string fileError = it->second->fileError;
  running_.erase(it);
  if (result.ok && !fileError.empty() && a.reason.empty())
    a.reason = "partly recorded: " + fileError;
  applyPackaging(a, result, "packaging failed");
}

void ArchiveManager::statusChanged(store::ArchiveRecord& a) {
  try {
    store_.updateArchive(a);
  } catch (const store::StoreError& e) {
    Logger::error("archive status not stored", {{"archiveId", a.id}, {"error", e.what()}});
  }
  if (statusListener_) statusListener_(a);
}

void ArchiveManager::tellClients(const store::ArchiveRecord& a, const char* method) {
  const std::string uri =
      "/v2/partner/" + a.apiKey + "/session/" + a.sessionId + "/archive/" + a.id;
  Json content = std::string_view(method) == "created"
                     ? ArchiveJson::clientView(a)
                     : Json::object({{"id", a.id}, {"name", a.name}, {"status", a.status}});
  sessions_.notifySession(a.sessionId, OutboundMessage{std::string(kServerAddress), method, uri,
                                                       std::move(content), std::nullopt});
}

// ---------------------------------------------------------------- session news

void ArchiveManager::connectionCreated(const Connection& connection) {
  for (Running* r : runningIn(connection.sessionId)) r->emptySinceMs.reset();
}

void ArchiveManager::connectionDestroyed(const Connection& connection, const std::string&) {
  const LiveSession* live = sessions_.session(connection.sessionId);
  if (live && !live->connections.empty()) return;
  for (Running* r : runningIn(connection.sessionId)) r->emptySinceMs = now_();
}

void ArchiveManager::streamCreated(const Stream& stream, const Connection& owner) {
  bool any = false;
  for (Running* r : runningIn(owner.sessionId)) {
    any = true;
    if (r->record.streamMode == "auto")
      record(*r, stream.id, owner.data, r->record.hasAudio, r->record.hasVideo);
  }
  if (any) return;
  // archiveMode "always": the first stream starts the session's archive (docs/protocol.md
  // §3.4.1), composing every stream as it comes.
  const LiveSession* live = sessions_.session(owner.sessionId);
  if (!live || live->record.properties.archiveMode != core::ArchiveMode::Always) return;
  core::ArchiveOptions options;
  options.sessionId = owner.sessionId;
  options.name = live->record.properties.archiveName;
  // OpenTok's automatic archives are composed, at the session's archiveResolution.
  options.outputMode = core::ArchiveOptions::OutputMode::Composed;
  if (!live->record.properties.archiveResolution.empty())
    options.resolution = live->record.properties.archiveResolution;
  try {
    auto outcome = start(owner.apiKey, options);
    if (outcome.status != Status::Ok)
      Logger::warn("automatic archive not started",
                   {{"sessionId", owner.sessionId}, {"reason", outcome.message}});
  } catch (const store::StoreError& e) {
    Logger::error("automatic archive not started",
                  {{"sessionId", owner.sessionId}, {"error", e.what()}});
  }
}

void ArchiveManager::streamDestroyed(const Stream& stream, const Connection& owner,
                                     const std::string&) {
  for (auto& [id, r] : running_) {
    if (r->record.sessionId != owner.sessionId) continue;
    for (auto& f : r->files)
      if (f.streamId == stream.id && f.recording) endFile(*r, f, false);
  }
}

void ArchiveManager::streamChanged(const Stream& stream, const Connection& owner) {
  for (Running* r : runningIn(owner.sessionId)) {
    if (!r->composer) continue;
    r->composer->setStreamClasses(stream.id, stream.layoutClassList);
    r->composer->setStreamVideo(stream.id, stream.hasVideo());
  }
}

void ArchiveManager::tick() {
  const std::int64_t now = now_();
  std::vector<std::pair<Running*, const char*>> due;
  for (auto& [id, r] : running_) {
    if (r->stopping) continue;
    if (now - r->startedMs >= settings_.maxDurationS * 1000)
      due.emplace_back(r.get(), kMaxDuration);
    else if (r->emptySinceMs && now - *r->emptySinceMs >= settings_.emptyStopS * 1000)
      due.emplace_back(r.get(), kSessionEnded);
  }
  for (auto& [r, reason] : due) stopRunning(*r, reason);
}

// ---------------------------------------------------------------- restarts

void ArchiveManager::recoverLeftovers() {
  std::vector<store::ArchiveRecord> left;
  try {
    for (const char* status : {"started", "stopped"})
      for (auto& a : store_.archivesWithStatus(status)) left.push_back(std::move(a));
  } catch (const store::StoreError& e) {
    Logger::error("archives left by the last run not read", {{"error", e.what()}});
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  for (auto& a : left) {
    if (running_.count(a.id) || !recovering_.insert(a.id).second) continue;
    const std::string directory = (fs::path(settings_.directory) / a.id).string();
    const std::string zip = filePath(a.id, a.outputMode);
    // Packaged on the job thread like any stop: a long recording must not hold up the
    // start. Until then the archive keeps its status, and cannot be deleted.
    packager_.post([this, alive, a, directory, zip] {
      // A run that died while recording knows no duration: the packager reads it from the
      // files (-1).
      const bool wasRecording = a.status == "started";
      // Stopped, and packaged before the run died: the ZIP is only ever renamed into place
      // whole, and the sources go after it. Packaging again would find nothing and fail it.
      const bool packaged = !wasRecording && fs::exists(zip) &&
                            !fs::exists(fs::path(directory) / record::ArchiveIndex::kFileName);
      auto result =
          packaged ? record::ArchivePackager::readBack(zip)
                   : packageFiles(a.outputMode, directory, zip, wasRecording ? -1 : a.durationMs);
      if (result.ok) record::ArchivePackager::removeSources(directory);
      post_([this, alive, a, result, wasRecording]() mutable {
        if (auto live = alive.lock(); !live || !*live) return;
        recovering_.erase(a.id);
        if (result.ok && wasRecording) {
          a.durationMs = result.durationMs;
          a.reason = kCrashed;
        }
        Logger::warn("archive left by the last run finished", {{"archiveId", a.id}});
        applyPackaging(a, result, kCrashed);
      });
    });
  }
}

void ArchiveManager::stopComposers() {
  for (auto& [id, r] : running_) {
    if (!r->composer || !r->composing) continue;
    r->composer->stop();
    r->composer->join();
    // Its report, posted as it ended, finds it no longer composing and is ignored.
    r->composing = false;
  }
}

void ArchiveManager::finishAtShutdown() {
  for (auto& [id, r] : running_) {
    if (!r->stopping) {
      r->stopping = true;
      for (auto& f : r->files) endFile(*r, f, false);
      r->record.status = "stopped";
      r->record.reason = kShutdown;
      r->record.durationMs = sinceStart(*r);
    }
    if (r->composer) {
      r->composer->stop();
      r->composer->join();
    }
    auto result = packageFiles(r->record.outputMode, r->directory,
                               filePath(id, r->record.outputMode), r->record.durationMs);
    if (result.ok) record::ArchivePackager::removeSources(r->directory);
    applyPackaging(r->record, result, kShutdown);
  }
  running_.clear();
}

}  // namespace parley::session
