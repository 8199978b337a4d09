#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "record/AudioDecoder.h"
#include "record/ComposerMailbox.h"
#include "record/CompositionEncoder.h"
#include "record/HlsMuxer.h"
#include "record/PacketWriter.h"
#include "record/Picture.h"
#include "record/PictureScaler.h"
#include "record/RtmpMuxer.h"
#include "record/StreamFileWriter.h"
#include "record/TrackClock.h"
#include "record/TrackFormat.h"
#include "record/VideoDecoder.h"
#include "record/compose/AudioMixer.h"
#include "record/compose/Layout.h"
#include "record/compose/StreamInfo.h"

namespace parley::record {

// A composition (docs/media.md, "Composed archives"): decodes the streams the recorder thread
// hands it, lays their latest pictures out on one canvas, mixes their audio, and encodes the
// result into a fragmented MP4, all on a thread of its own that runs on a real-time clock.
//
// Timing: each track's first frame is placed on the composition's timeline where it arrived,
// the frames after it by their RTP timestamps, and a stream's audio is moved to where its
// sender reports put it relative to its video. The canvas for time t is drawn at t +
// `playoutDelayMs`, from the pictures due by t, which leaves late packets time to arrive (and
// be retransmitted). A busy machine that falls behind skips pictures, never time: the file's
// clock stays the wall clock's.
//
// A stream is shown while its video is on and it has a picture; when the video goes off, or
// the stream goes, it leaves the layout and the others take its place, as on OpenTok.
class Composer {
 public:
  struct Settings {
    CompositionEncoder::Settings output;
    std::int64_t playoutDelayMs = 300;
  };
  using Track = StreamFileWriter::Track;
  struct Result {
    bool ok = false;
    std::string error;
    std::int64_t durationMs = 0;
    std::uint64_t pictures = 0;         // encoded
    std::uint64_t picturesSkipped = 0;  // the machine was too busy to draw them in time
    std::uint64_t decodeErrors = 0;
  };
  using Finished = std::function<void(const Result&)>;
  // Where the composition goes: a composed archive's MP4 file, or a live broadcast's HLS
  // stream and RTMP targets (any of them).
  struct Outputs {
    std::string mp4Path;
    std::optional<HlsMuxer::Settings> hls;
    struct Rtmp {
      std::string id;
      std::string url;     // serverUrl + "/" + streamName
      RtmpMuxer::Vet vet;  // the address policy, before each connection
    };
    std::vector<Rtmp> rtmp;
    // An RTMP target's status changed (from that target's thread).
    std::function<void(const std::string& id, RtmpMuxer::Status status, const std::string& why)>
        rtmpStatus;
  };

  // Starts the thread. Null, with `error`, when an output cannot be started (the file cannot
  // be created, say; an RTMP server that does not answer is not an error: it is retried).
  static std::unique_ptr<Composer> create(Outputs outputs, Settings settings,
                                          compose::Layout layout, Finished onFinished,
                                          std::string* error);
  // A composed archive: the MP4 at `path`.
  static std::unique_ptr<Composer> create(const std::string& path, Settings settings,
                                          compose::Layout layout, Finished onFinished,
                                          std::string* error);
  // Stops (as stop()) if still running, and waits for the file to be closed.
  ~Composer();
  Composer(const Composer&) = delete;
  Composer& operator=(const Composer&) = delete;

  // From the control thread. The writer goes to the recorder with the stream's ring;
  // `wantKeyframe` may be called from any thread.
  std::unique_ptr<PacketWriter> addStream(const compose::StreamInfo& info,
                                          std::vector<Track> tracks,
                                          std::function<void()> wantKeyframe);
  void setStreamClasses(const std::string& streamId, std::vector<std::string> classes);
  void setStreamVideo(const std::string& streamId, bool enabled);
  void setLayout(compose::Layout layout);
  // Ends the composition at this moment: the thread draws what is due up to now, closes the
  // file and calls onFinished (on its own thread). Idempotent.
  void stop();
  // Waits for the thread to end (after stop()).
  void join();

  // Without a thread or a wall clock, for benchmarks and tests: streams are added as above
  // (their writers fed by the caller, arrival times on the steady clock of `originMs`), and
  // the caller draws. Null, with `error`, as create().
  static std::unique_ptr<Composer> createManual(Outputs outputs, Settings settings,
                                                compose::Layout layout, std::int64_t originMs,
                                                std::string* error);
  // Manual: draws and encodes every picture due up to timeline time `tMs`; false once the
  // output failed.
  bool renderUntil(std::int64_t tMs);
  // Manual: closes the output and tells how it went.
  Result finishManual();

  static std::int64_t steadyNowMs();

 private:
  struct InputTrack {
    Track track;
    TrackClock clock;
    std::unique_ptr<VideoDecoder> video;
    std::unique_ptr<AudioDecoder> audio;
  };
  struct QueuedFrame {
    std::int64_t atMs;
    EncodedFrame frame;
    std::size_t track;
  };
  struct Input {
    compose::StreamInfo info;
    bool videoOn = true;
    bool ended = false;
    std::vector<InputTrack> tracks;
    std::function<void()> wantKeyframe;
    std::deque<QueuedFrame> video;  // decoded when due
    std::optional<Picture> picture;
    PictureScaler scaler;
  };
  // Changes from the control thread, applied by the composer thread at its next picture.
  struct Pending {
    std::vector<std::pair<std::uint64_t, std::unique_ptr<Input>>> added;
    std::vector<std::pair<std::string, std::vector<std::string>>> classes;
    std::vector<std::pair<std::string, bool>> video;
    std::optional<compose::Layout> layout;
  };

  Composer() = default;
  static std::unique_ptr<Composer> build(Outputs outputs, Settings settings, compose::Layout layout,
                                         Finished onFinished, std::string* error);
  void run();
  // The next picture: news taken, drawn, encoded with the audio up to the one after.
  bool renderTick();
  void closeFile();
  std::int64_t timeOf(std::int64_t tick) const;  // timeline ms of picture `tick`
  void takeNews();
  void receive(ComposerMailbox::Message& m);
  void decodeDue(Input& in, std::int64_t t);
  void draw(std::int64_t t);
  bool encode(std::int64_t t, std::int64_t until);
  void syncInput(Input& in);

  Settings settings_;
  Finished onFinished_;
  std::shared_ptr<ComposerMailbox> mailbox_ = std::make_shared<ComposerMailbox>();
  std::int64_t originMs_ = 0;  // steady clock at the timeline's zero

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  Pending pending_;                     // guarded by mutex_
  std::optional<std::int64_t> stopAt_;  // guarded by mutex_: timeline ms
  std::uint64_t nextInput_ = 1;         // control thread

  // The composer thread's own.
  std::unique_ptr<CompositionEncoder> file_;
  compose::Layout layout_ = compose::Layout::bestFit();
  std::map<std::uint64_t, std::unique_ptr<Input>> inputs_;
  compose::AudioMixer mixer_;
  Picture canvas_;
  std::vector<float> mixed_;
  bool dirty_ = true;
  std::int64_t tick_ = 0;
  std::int64_t lastT_ = -1;
  Result result_;
  std::thread thread_;
};

}  // namespace parley::record
