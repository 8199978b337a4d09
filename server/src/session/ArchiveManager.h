#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/ArchiveOptions.h"
#include "core/Json.h"
#include "media/MediaService.h"
#include "record/ArchiveIndex.h"
#include "record/ArchivePackager.h"
#include "record/Composer.h"
#include "record/JobThread.h"
#include "record/Recorder.h"
#include "record/StreamFileWriter.h"
#include "session/RecordingStatus.h"
#include "session/SessionEventListener.h"
#include "store/Store.h"

namespace parley::session {

class SessionManager;

// Archives of routed sessions (docs/protocol.md §3.4.2, §4.2, §7.10): starts and stops them,
// feeds each published stream through the SFU's recording taps and a recorder thread either
// into a file of its own (individual output, packaged into OpenTok's ZIP on a background
// thread) or into the archive's composer (composed output: one MP4, finalized on that thread),
// and keeps the store, the session's clients and the project's archive callbacks told of every
// status change. Runs on the control thread; news from the other threads comes back through
// `post`.
class ArchiveManager final : public SessionEventListener {
 public:
  struct Settings {
    std::string directory;              // <dataDir>/archives
    std::size_t maxPerSession = 5;      // running at once in one session
    std::size_t maxRunning = 20;        // running at once on this server
    std::int64_t maxDurationS = 14400;  // OpenTok's default: 4 hours
    std::int64_t emptyStopS = 60;       // an empty session stops its archives after this
    std::size_t ringPackets = 1024;     // per recorded stream (≈1.6 MiB)
    // Files one archive makes at most (a publisher republishing in a loop would otherwise
    // grow its index and manifest without end); later streams are not recorded.
    std::size_t maxFilesPerArchive = 300;
    // Composed output: how long the composer waits for late packets before drawing.
    std::int64_t composerDelayMs = 300;
    int composerFramesPerSecond = 25;  // OpenTok's composed archives' rate
  };
  using Status = RecordingStatus;
  struct Outcome {
    Status status = Status::Ok;
    std::string message;
    std::optional<store::ArchiveRecord> archive;
  };
  // Runs `fn` on the control thread, later (never inline).
  using Post = std::function<void(std::function<void()> fn)>;
  // Delivers archive status callbacks: the archive whose status changed.
  using StatusListener = std::function<void(const store::ArchiveRecord& archive)>;
  using NowMs = std::function<std::int64_t()>;

  ArchiveManager(store::Store& store, SessionManager& sessions, media::MediaService& media,
                 record::Recorder& recorder, record::JobThread& packager, Post post,
                 Settings settings, NowMs now = {});
  ~ArchiveManager() override;

  void setStatusListener(StatusListener listener) { statusListener_ = std::move(listener); }

  // REST (docs/protocol.md §3.4.2).
  Outcome start(const std::string& apiKey, const core::ArchiveOptions& options);
  Outcome stop(const std::string& apiKey, const std::string& archiveId);
  Outcome remove(const std::string& apiKey, const std::string& archiveId);
  Outcome addStream(const std::string& apiKey, const std::string& archiveId,
                    const std::string& streamId, bool hasAudio, bool hasVideo);
  Outcome removeStream(const std::string& apiKey, const std::string& archiveId,
                       const std::string& streamId);
  Outcome setLayout(const std::string& apiKey, const std::string& archiveId,
                    const core::ArchiveOptions& layout);

  // The running archives of a session as clients see them (session state, §7.10).
  core::Json clientState(const std::string& sessionId) const;
  std::size_t runningCount() const { return running_.size(); }
  // Stopped composed archives whose composer has not reported yet (it draws what is due
  // first): their packaging comes after that report.
  std::size_t composersFinishing() const;
  // Where an available archive's file is: its ZIP (individual) or MP4 (composed).
  std::string filePath(const std::string& archiveId, const std::string& outputMode) const;

  // Once a second: maximum durations and empty sessions.
  void tick();
  // At start: archives a killed run left "started" or "stopped" are packaged from what was
  // written (available) or marked failed, on the packaging thread, so the start is not held
  // up; meanwhile they cannot be deleted.
  void recoverLeftovers();
  // At shutdown, first (before the recorder and the packager go): every composition ends now,
  // its thread joined, so that nothing it reports later needs them; finishAtShutdown packages
  // what they wrote.
  void stopComposers();
  // At shutdown, after the SFU and the recorder have stopped: archives still running are
  // stopped and packaged now. Synchronous.
  void finishAtShutdown();

  // SessionEventListener
  void connectionCreated(const Connection& connection) override;
  void connectionDestroyed(const Connection& connection, const std::string& reason) override;
  void streamCreated(const Stream& stream, const Connection& owner) override;
  void streamDestroyed(const Stream& stream, const Connection& owner,
                       const std::string& reason) override;
  void streamChanged(const Stream& stream, const Connection& owner) override;

 private:
  struct RecordedFile {
    std::string streamId;
    std::uint64_t tapId = 0;
    std::size_t indexEntry = 0;  // its line in the archive's index
    bool recording = true;       // the tap is attached
    bool finished = false;       // the writer reported
  };
  struct Running {
    store::ArchiveRecord record;
    record::ArchiveIndex index;
    std::string directory;
    std::int64_t startedMs = 0;
    bool stopping = false;
    std::vector<RecordedFile> files;
    std::size_t unfinished = 0;  // writers that have not reported yet
    std::optional<std::int64_t> emptySinceMs;
    std::string fileError;  // the first writer failure, for the reason
    bool fileLimitLogged = false;
    std::unique_ptr<record::Composer> composer;  // composed output
    bool composing = false;                      // the composer has not finished yet
  };

  Outcome fail(Status status, std::string message) const;
  Running* findRunning(const std::string& apiKey, const std::string& archiveId);
  // Not running: NotFound, or Conflict when the archive exists but no longer records.
  Outcome notRunning(const std::string& apiKey, const std::string& archiveId,
                     const std::string& what);
  std::vector<Running*> runningIn(const std::string& sessionId);
  // Starts one file for `stream` (tracks filtered by hasAudio/hasVideo).
  void record(Running& r, const std::string& streamId, const std::string& connectionData,
              bool hasAudio, bool hasVideo);
  void endFile(Running& r, RecordedFile& f, bool stopTap);
  void fileFinished(const std::string& archiveId, std::uint64_t tapId,
                    const record::StreamFileWriter::Result& result);
  void stopRunning(Running& r, const std::string& reason);
  void composerFinished(const std::string& archiveId, const record::Composer::Result& result);
  // Composed output: the composer for a new archive; null, with `error`, when it cannot start.
  std::unique_ptr<record::Composer> startComposer(const store::ArchiveRecord& a,
                                                  const std::string& directory,
                                                  const core::ArchiveOptions& options,
                                                  std::string* error);
  // Packaging (ZIP) or finalizing (MP4), on the packaging thread.
  static record::ArchivePackager::Result packageFiles(const std::string& outputMode,
                                                      const std::string& directory,
                                                      const std::string& target,
                                                      std::int64_t durationMs);
  void startPackaging(Running& r);
  void packaged(const std::string& archiveId, const record::ArchivePackager::Result& result);
  // The packager's outcome on the record (available, or failed with `failure` and why),
  // stored and told.
  void applyPackaging(store::ArchiveRecord& archive, const record::ArchivePackager::Result& result,
                      const std::string& failure);
  // Writes the record, tells the status listener (callbacks).
  void statusChanged(store::ArchiveRecord& record);
  void tellClients(const store::ArchiveRecord& record, const char* method);
  void saveIndex(Running& r);
  std::int64_t sinceStart(const Running& r) const;

  store::Store& store_;
  SessionManager& sessions_;
  media::MediaService& media_;
  record::Recorder& recorder_;
  record::JobThread& packager_;
  Post post_;
  Settings settings_;
  NowMs now_;
  StatusListener statusListener_;
  std::map<std::string, std::unique_ptr<Running>, std::less<>> running_;  // by archive id
  std::set<std::string> recovering_;  // left by the last run, being packaged
  std::uint64_t nextTapId_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace parley::session
