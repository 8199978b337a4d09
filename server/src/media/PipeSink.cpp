#include "media/PipeSink.h"

namespace parley::media {

PipeSink::~PipeSink() {
  pipe_->ring().close();
  pipe_->signal();
}

void PipeSink::onPacket(const Packet& packet) {
  if (packet.track > 0xFF || packet.layer > 0xFF) return;
  if (pipe_->ring().push(std::span<const uint8_t>(packet.rtp.data(), packet.rtp.size()),
                         packet.arrivalUs, static_cast<uint8_t>(packet.track),
                         static_cast<uint8_t>(packet.layer), packet.keyframe))
    pipe_->signal();
}

void PipeSink::onSenderReport(const SenderReport& report) {
  if (report.track > 0xFF || report.layer > 0xFF) return;
  if (pipe_->ring().pushSenderReport(static_cast<uint8_t>(report.track), report.ntpTimestamp,
                                     report.rtpTimestamp, report.arrivalUs,
                                     static_cast<uint8_t>(report.layer)))
    pipe_->signal();
}

void PipeSink::onSourceGone() {
  pipe_->ring().close();
  pipe_->signal();
}

}  // namespace parley::media
