#pragma once

#include <cstdint>
#include <memory>

#include "media/MediaPipe.h"
#include "media/MediaSink.h"

namespace parley::media {

// The origin end of a MediaPipe: attached to a publication like any sink, it copies each
// packet into the pipe and wakes the mirror's worker.
class PipeSink final : public MediaSink {
 public:
  explicit PipeSink(std::shared_ptr<MediaPipe> pipe) : pipe_(std::move(pipe)) {}
  ~PipeSink() override;

  void onPacket(const Packet& packet) override;
  // Sender reports cross too: what reads the mirror (a recording) keeps audio and video in
  // step by them.
  void onSenderReport(const SenderReport& report) override;
  void onSourceGone() override;

 private:
  std::shared_ptr<MediaPipe> pipe_;
};

}  // namespace parley::media
