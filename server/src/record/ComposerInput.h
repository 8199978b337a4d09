#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "record/ComposerMailbox.h"
#include "record/FrameAssembler.h"
#include "record/PacketWriter.h"
#include "record/ReorderBuffer.h"
#include "record/TrackFormat.h"

namespace parley::record {

// One stream of a composition, on the recorder thread: puts each track's RTP packets back in
// order, rebuilds whole frames and posts them, with the sender reports, to the composer's
// mailbox. Video that cannot be decoded after a loss (or after the mailbox overflowed) is held
// back until the next keyframe, which `wantKeyframe` asks the publisher for.
class ComposerInput final : public PacketWriter {
 public:
  static constexpr std::int64_t kReorderWaitMs = 150;  // within the composer's playout delay

  ComposerInput(std::shared_ptr<ComposerMailbox> mailbox, std::uint64_t input,
                std::vector<TrackFormat::Codec> codecs, std::function<void()> wantKeyframe);

  void write(const PacketRing::Packet& packet) override;
  void finish(std::uint64_t dropped) override;

 private:
  struct Track {
    TrackFormat::Codec codec;
    ReorderBuffer reorder;
    FrameAssembler assembler;
    bool keyframeAsked = false;
    bool broken = false;  // a frame was lost to a full mailbox: wait for a keyframe
  };
  void drain(std::size_t index, std::int64_t nowMs);

  std::shared_ptr<ComposerMailbox> mailbox_;
  std::uint64_t input_;
  std::vector<Track> tracks_;
  std::function<void()> wantKeyframe_;
  bool finished_ = false;
};

}  // namespace parley::record
