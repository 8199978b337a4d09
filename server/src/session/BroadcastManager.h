#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ArchiveOptions.h"
#include "core/BroadcastOptions.h"
#include "core/Json.h"
#include "media/MediaService.h"
#include "record/Composer.h"
#include "record/Recorder.h"
#include "session/RecordingStatus.h"
#include "session/SessionEventListener.h"
#include "store/Store.h"

namespace parley::session {

class SessionManager;

// Live broadcasts of routed sessions (docs/protocol.md §3.4.3): one composition per broadcast
// (the composed archives' engine, record::Composer), encoded once and sent to an HLS stream
// that parleyd serves from <directory>/<id>/hls and to up to five RTMP targets. Runs on the
// control thread; news from the composer's and the RTMP targets' threads comes back through
// `post`.
//
// Broadcasts live in memory only, as OpenTok's do not outlast the session: the running ones
// and the last `keptStopped` (1000) stopped ones, which GET and list still show; a restart
// forgets them (and removes their HLS files). A stopped broadcast's HLS files stay served,
// playlist ended, for `hlsKeepS` (10 minutes), then are removed.
class BroadcastManager final : public SessionEventListener {
 public:
  struct Settings {
    std::string directory;                     // <dataDir>/broadcasts
    std::size_t maxPerSession = 5;             // running at once in one session
    std::size_t maxRunning = 20;               // running at once on this server
    std::int64_t emptyStopS = 60;              // an empty session stops its broadcasts after this
    std::size_t keptStopped = 1000;            // stopped broadcasts still listed
    std::int64_t hlsKeepS = 600;               // HLS files kept after the stop
    std::size_t ringPackets = 1024;            // per stream (≈1.6 MiB)
    std::size_t maxStreamsPerBroadcast = 300;  // publications joined over its life
    std::int64_t composerDelayMs = 300;
    int composerFramesPerSecond = 25;
    // Why an RTMP server at (host, port) must not be pushed to (the server's address policy:
    // a project could otherwise make parleyd connect inside its network), or nullopt. Asked
    // on the target's own thread before each connection, so it may block on DNS; a refused
    // target reports "error" and is asked again later. Empty: any address.
    std::function<std::optional<std::string>(const std::string& host, std::uint16_t port)>
        rtmpRefusal;
  };
  using Status = RecordingStatus;
  struct RtmpTarget {
    std::string id;
    std::string serverUrl;
    std::string streamName;
    std::string status = "connecting";  // connecting, live, offline, error
  };
  struct Broadcast {
    std::string id;
    std::string apiKey;
    std::string sessionId;
    std::string status;  // started, stopped
    std::string reason;  // why it stopped by itself (logged; not in OpenTok's JSON)
    std::int64_t createdAtMs = 0;
    std::int64_t updatedAtMs = 0;
    std::int64_t maxDurationS = 14400;
    std::string resolution;
    std::string streamMode;
    std::string multiBroadcastTag;
    bool hasAudio = true;
    bool hasVideo = true;
    std::optional<std::int64_t> maxBitrate;
    bool hls = false;
    bool dvr = false;
    bool lowLatency = false;
    std::vector<RtmpTarget> rtmp;
    core::Json streams = core::Json::array();  // manual mode: {streamId, hasAudio, hasVideo}
  };
  struct Outcome {
    Status status = Status::Ok;
    std::string message;
    std::optional<Broadcast> broadcast;
  };
  struct Page {
    std::size_t total = 0;
    std::vector<Broadcast> items;
  };
  using Post = std::function<void(std::function<void()> fn)>;
  using StatusListener = std::function<void(const Broadcast& broadcast)>;
  using NowMs = std::function<std::int64_t()>;

  BroadcastManager(store::Store& store, SessionManager& sessions, media::MediaService& media,
                   record::Recorder& recorder, Post post, Settings settings, NowMs now = {});
  ~BroadcastManager() override;

  void setStatusListener(StatusListener listener) { statusListener_ = std::move(listener); }

  // REST (docs/protocol.md §3.4.3).
  Outcome start(const std::string& apiKey, const core::BroadcastOptions& options);
  Outcome stop(const std::string& apiKey, const std::string& broadcastId);
  std::optional<Broadcast> find(const std::string& apiKey, const std::string& broadcastId) const;
  // Newest first; `sessionId` empty: all of the project's.
  Page list(const std::string& apiKey, const std::string& sessionId, std::size_t offset,
            std::size_t count) const;
  Outcome setLayout(const std::string& apiKey, const std::string& broadcastId,
                    const core::ArchiveOptions& layout);
  Outcome addStream(const std::string& apiKey, const std::string& broadcastId,
                    const std::string& streamId, bool hasAudio, bool hasVideo);
  Outcome removeStream(const std::string& apiKey, const std::string& broadcastId,
                       const std::string& streamId);

  // Where a broadcast's HLS files are while they are served; "" otherwise.
  std::string hlsDirectory(const std::string& broadcastId) const;
  std::size_t runningCount() const { return running_; }

  // Once a second: maximum durations, empty sessions, HLS files due for removal, the bound
  // on stopped broadcasts kept.
  void tick();
  // At start: HLS files a previous run left behind are removed (its broadcasts are gone).
  void removeLeftovers();
  // At shutdown, after the SFU and the recorder have stopped: running broadcasts stop, their
  // compositions end and their files go. Synchronous.
  void finishAtShutdown();

  // SessionEventListener
  void connectionCreated(const Connection& connection) override;
  void connectionDestroyed(const Connection& connection, const std::string& reason) override;
  void streamCreated(const Stream& stream, const Connection& owner) override;
  void streamDestroyed(const Stream& stream, const Connection& owner,
                       const std::string& reason) override;
  void streamChanged(const Stream& stream, const Connection& owner) override;

 private:
  struct Tap {
    std::string streamId;
    std::uint64_t tapId = 0;
    bool attached = true;
  };
  struct Entry {
    Broadcast broadcast;
    std::string directory;  // <directory>/<id>, holding hls/
    std::int64_t startedMs = 0;
    std::optional<std::int64_t> emptySinceMs;
    std::optional<std::int64_t> removeFilesAtMs;  // once stopped
    bool filesRemoved = false;
    std::vector<Tap> taps;
    bool tapLimitLogged = false;
    std::unique_ptr<record::Composer> composer;  // until it has finished
  };

  Outcome fail(Status status, std::string message) const;
  Entry* findEntry(const std::string& apiKey, const std::string& broadcastId);
  // Not running: NotFound, or Conflict when it is stopped.
  Outcome notRunning(const std::string& apiKey, const std::string& broadcastId,
                     const std::string& what);
  std::vector<Entry*> runningIn(const std::string& sessionId);
  std::unique_ptr<record::Composer> startComposer(const Entry& e,
                                                  const core::BroadcastOptions& options,
                                                  std::string* error);
  // Joins `streamId` to the composition (tracks filtered by hasAudio/hasVideo).
  void include(Entry& e, const std::string& streamId, bool hasAudio, bool hasVideo);
  void exclude(Entry& e, const std::string& streamId, bool stopTap);
  void stopRunning(Entry& e, const std::string& reason);
  void composerFinished(const std::string& broadcastId, const record::Composer::Result& result);
  void rtmpChanged(const std::string& broadcastId, std::size_t target,
                   record::RtmpMuxer::Status status, const std::string& why);
  void removeFiles(Entry& e);
  void trimHistory();

  store::Store& store_;
  SessionManager& sessions_;
  media::MediaService& media_;
  record::Recorder& recorder_;
  Post post_;
  Settings settings_;
  NowMs now_;
  StatusListener statusListener_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;  // by broadcast id
  std::deque<std::string> stopped_;  // ids of stopped broadcasts, oldest first
  std::size_t running_ = 0;
  // Recording taps are numbered per session by the SFU; ArchiveManager counts from 1, so
  // broadcasts count from 2^62 and the two never share a number.
  std::uint64_t nextTapId_ = std::uint64_t(1) << 62;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace parley::session
