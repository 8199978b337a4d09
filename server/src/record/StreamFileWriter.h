#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "record/FrameAssembler.h"
#include "record/MediaFileWriter.h"
#include "record/PacketWriter.h"
#include "record/ReorderBuffer.h"
#include "record/TrackClock.h"
#include "record/TrackFormat.h"

namespace parley::record {

// One recorded stream's file, written on the recorder thread: the RTP packets a
// RecordingTap queued, per track put back in order (ReorderBuffer), rebuilt into frames
// (FrameAssembler), placed on the archive's timeline (RtpTimeline) and written without
// transcoding (MediaFileWriter).
//
// Audio and video stay in step by arrival time: the file starts at the first video
// keyframe (audio that arrived before it is dropped, as a player could not show the
// picture anyway; after kVideoWaitMs without one, audio starts alone), and each track's first frame
// is placed where it arrived relative to that start. Within a track, RTP timestamps rule. Arrival
// is only as good as the network's evenness, so once the sender reports of both tracks tell when
// their timestamps were on the publisher's clock, the audio track is moved to where that clock puts
// it relative to the video. When a loss leaves the video undecodable until the next keyframe,
// `wantKeyframe` is called (on the recorder thread) so that the owner can send the publisher a PLI;
// when the stream ends, `onFinished` gets the outcome (on the recorder thread too).
class StreamFileWriter final : public PacketWriter {
 public:
  struct Track {
    TrackFormat format;
    std::uint32_t clockRate = 90000;  // 48000 for Opus
  };
  struct Result {
    bool ok = false;
    std::string error;
    std::uint64_t framesWritten = 0;
    std::uint64_t bytesWritten = 0;
    std::int64_t durationMs = 0;
    std::uint64_t packetsLost = 0;     // given up by the reorder buffers
    std::uint64_t packetsDropped = 0;  // the worker's ring was full
    std::uint64_t syncShifts = 0;      // times the audio was moved by sender reports
  };

  // `offsetMs`: where the stream starts on the archive's timeline. Null with `error` when
  // the file cannot be created.
  static std::unique_ptr<StreamFileWriter> create(const std::string& path,
                                                  std::vector<Track> tracks, std::int64_t offsetMs,
                                                  std::function<void()> wantKeyframe,
                                                  std::function<void(const Result&)> onFinished,
                                                  std::string* error);

  void write(const PacketRing::Packet& packet) override;
  void finish(std::uint64_t dropped) override;

 private:
  static constexpr std::int64_t kVideoWaitMs = 2000;

  struct TrackState {
    Track track;
    ReorderBuffer reorder;
    FrameAssembler assembler;
    TrackClock clock;  // its timeline starts at the track's first written frame
    bool keyframeAsked = false;
  };

  // An audio frame that came before the file's start was known.
  struct EarlyFrame {
    std::size_t track;
    EncodedFrame frame;
    std::int64_t arrivedMs;
  };
  static constexpr std::size_t kMaxEarlyFrames = 256;  // > kVideoWaitMs of 20 ms frames

  // Once the file's start is known: the early frames that arrived since are placed.
  void placeEarlyFrames();
  // Writes one frame at its place on the track's timeline; false when the disk failed.
  bool place(std::size_t index, const EncodedFrame& frame, std::int64_t arrivedMs);
  // Moves audio tracks to where the reports put them relative to the first video track.
  void syncTracks();

  StreamFileWriter() = default;
  void drain(std::size_t index, std::int64_t nowMs);

  std::unique_ptr<MediaFileWriter> file_;
  std::vector<TrackState> tracks_;
  std::function<void()> wantKeyframe_;
  std::function<void(const Result&)> onFinished_;
  std::int64_t offsetMs_ = 0;
  bool hasVideo_ = false;
  std::int64_t firstArrivalMs_ = -1;      // the first packet of any track
  std::optional<std::int64_t> originMs_;  // arrival time of the file's time zero
  std::deque<EarlyFrame> early_;
  std::int64_t lastPtsMs_ = 0;
  std::int64_t firstPtsMs_ = -1;
  Result result_;
  bool finished_ = false;
};

}  // namespace parley::record
