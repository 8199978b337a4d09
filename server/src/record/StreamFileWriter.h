#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "record/FrameAssembler.h"
#include "record/MediaFileWriter.h"
#include "record/PacketWriter.h"
#include "record/ReorderBuffer.h"
#include "record/RtpTimeline.h"
#include "record/TrackFormat.h"

namespace parley::record {

// One recorded stream's file, written on the recorder thread: the RTP packets a
// RecordingTap queued, per track put back in order (ReorderBuffer), rebuilt into frames
// (FrameAssembler), placed on the archive's timeline (RtpTimeline) and written without
// transcoding (MediaFileWriter). When a loss leaves the video undecodable until the next
// keyframe, `wantKeyframe` is called (on the recorder thread) so that the owner can send
// the publisher a PLI; when the stream ends, `onFinished` gets the outcome (on the recorder
// thread too).
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
  struct TrackState {
    Track track;
    ReorderBuffer reorder;
    FrameAssembler assembler;
    RtpTimeline timeline;
    bool keyframeAsked = false;
  };

  StreamFileWriter() = default;
  void drain(std::size_t index, std::int64_t nowMs);

  std::unique_ptr<MediaFileWriter> file_;
  std::vector<TrackState> tracks_;
  std::function<void()> wantKeyframe_;
  std::function<void(const Result&)> onFinished_;
  std::int64_t lastPtsMs_ = 0;
  std::int64_t firstPtsMs_ = -1;
  Result result_;
  bool finished_ = false;
};

}  // namespace parley::record
