#include "record/ComposerInput.h"

#include "record/TrackClock.h"

namespace parley::record {

ComposerInput::ComposerInput(std::shared_ptr<ComposerMailbox> mailbox, std::uint64_t input,
                             std::vector<TrackFormat::Codec> codecs,
                             std::function<void()> wantKeyframe)
    : mailbox_(std::move(mailbox)), input_(input), wantKeyframe_(std::move(wantKeyframe)) {
  for (auto codec : codecs)
    tracks_.push_back(Track{codec, ReorderBuffer({512, kReorderWaitMs}), FrameAssembler(codec)});
}

void ComposerInput::write(const PacketRing::Packet& packet) {
  if (packet.track >= tracks_.size() || finished_) return;
  const std::int64_t nowMs = packet.arrivalUs / 1000;
  if (packet.senderReport) {
    TrackClock clock;
    clock.takeReport(packet);
    if (!clock.report) return;
    ComposerMailbox::Message m;
    m.kind = ComposerMailbox::Message::Kind::SenderReport;
    m.input = input_;
    m.track = packet.track;
    m.arrivedMs = nowMs;
    m.report = *clock.report;
    mailbox_->post(std::move(m));
    return;
  }
  if (packet.size < 4) return;
  const auto sequence = static_cast<std::uint16_t>((packet.bytes[2] << 8) | packet.bytes[3]);
  tracks_[packet.track].reorder.push(
      sequence, std::span<const std::uint8_t>(packet.bytes.data(), packet.size), nowMs);
  drain(packet.track, nowMs);
}

void ComposerInput::drain(std::size_t index, std::int64_t nowMs) {
  Track& t = tracks_[index];
  const bool video = t.codec != TrackFormat::Codec::Opus;
  while (auto p = t.reorder.pop(nowMs)) {
    auto frame = t.assembler.push(p->bytes, p->afterLoss);
    if (video) {
      // Ask once per episode: the assembler keeps wanting until a keyframe comes.
      const bool wants = t.assembler.keyframeWanted() || t.broken;
      if (wants && !t.keyframeAsked && wantKeyframe_) wantKeyframe_();
      t.keyframeAsked = wants;
    }
    if (!frame) continue;
    if (video && t.broken) {
      if (!frame->keyframe) continue;
      t.broken = false;
    }
    ComposerMailbox::Message m;
    m.input = input_;
    m.track = static_cast<std::uint8_t>(index);
    m.arrivedMs = p->arrivedMs;
    m.frame = std::move(*frame);
    if (!mailbox_->post(std::move(m)) && video) t.broken = true;
  }
}

void ComposerInput::finish(std::uint64_t) {
  if (finished_) return;
  for (std::size_t i = 0; i < tracks_.size(); ++i) drain(i, INT64_MAX / 2);
  finished_ = true;
  ComposerMailbox::Message m;
  m.kind = ComposerMailbox::Message::Kind::Ended;
  m.input = input_;
  mailbox_->post(std::move(m));
}

}  // namespace parley::record
