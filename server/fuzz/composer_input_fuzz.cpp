// A composition's input path on arbitrary RTP: ComposerInput (reordering and rebuilding VP8,
// H.264 and Opus frames, as the recorder thread runs it) feeding the decoders, the audio mixer
// and the scaler onto a canvas, as the composer thread does. Input: a sequence of [length byte]
// [packet bytes]; the length byte's low bits pick the track and advance the clock. Nothing may
// crash or leak; decoded pictures stay within the decoder's bounds; the mix never clips.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "record/AudioDecoder.h"
#include "record/ComposerInput.h"
#include "record/ComposerMailbox.h"
#include "record/Picture.h"
#include "record/PictureScaler.h"
#include "record/VideoDecoder.h"
#include "record/compose/AudioMixer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parley::record;
  using Codec = TrackFormat::Codec;
  const std::vector<Codec> codecs = {Codec::Vp8, Codec::H264, Codec::Opus};
  auto mailbox = std::make_shared<ComposerMailbox>();
  int keyframeRequests = 0;
  ComposerInput input(mailbox, 1, codecs, [&] { ++keyframeRequests; });
  // Opening libavcodec's decoders costs milliseconds: they are opened once and live across
  // inputs (a decoder must survive any sequence of frames anyway).
  static std::string error;
  static auto vp8 = VideoDecoder::create(Codec::Vp8, &error);
  static auto h264 = VideoDecoder::create(Codec::H264, &error);
  static auto opus = AudioDecoder::create(2, &error);
  if (!vp8 || !h264 || !opus) __builtin_trap();
  compose::AudioMixer mixer;
  Picture canvas(64, 48);
  PictureScaler scaler;
  std::vector<float> samples;
  std::vector<float> mixed;
  auto consume = [&] {
    for (auto& m : mailbox->takeAll()) {
      if (m.kind != ComposerMailbox::Message::Kind::Frame) continue;
      if (m.track == 2) {
        samples.clear();
        opus->decode(m.frame.data, samples);
        mixer.place(m.input, m.arrivedMs * 48, samples);
        continue;
      }
      VideoDecoder& decoder = m.track == 0 ? *vp8 : *h264;
      auto picture = decoder.decode(m.frame.data, m.frame.keyframe);
      if (!picture) continue;
      if (picture->width() < 2 || picture->height() < 2 ||
          static_cast<std::int64_t>(picture->width()) * picture->height() >
              VideoDecoder::kMaxPixels + 2 * (picture->width() + picture->height()))
        __builtin_trap();
      scaler.scale(*picture, {0, 0, picture->width(), picture->height()}, canvas, {8, 6, 32, 24});
    }
  };
  PacketRing::Packet packet;
  std::int64_t nowUs = 0;
  std::size_t offset = 0;
  while (offset < size) {
    const std::size_t length = data[offset++];
    const std::size_t take = length < size - offset ? length : size - offset;
    packet.size = static_cast<std::uint32_t>(take);
    for (std::size_t i = 0; i < take; ++i) packet.bytes[i] = data[offset + i];
    offset += take;
    nowUs += (length & 7) * 400;
    packet.arrivalUs = nowUs;
    packet.track = static_cast<std::uint8_t>(length % 3);
    packet.senderReport = (length & 0xf8) == 0xf8;
    input.write(packet);
    consume();
    mixed.clear();
    mixer.mix(nowUs / 1000 * 48, mixed);
    for (float s : mixed)
      if (s > 1.0f || s < -1.0f) __builtin_trap();
  }
  input.finish(0);
  consume();
  return 0;
}
