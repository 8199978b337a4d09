// The recorder's RTP path on arbitrary packets: ReorderBuffer, FrameAssembler (VP8, H.264
// and Opus, each given every packet) and RtpTimeline. Input: a sequence of [length byte][packet
// bytes], with the arrival clock advancing per packet by the low bits of the length byte. Nothing
// may crash, no frame may exceed the assembler's bound, every H.264 frame is Annex B (it starts
// with a start code), and the buffer never holds more than its capacity.
#include <cstddef>
#include <cstdint>
#include <span>

#include "record/FrameAssembler.h"
#include "record/ReorderBuffer.h"
#include "record/RtpTimeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parley::record;
  ReorderBuffer buffer({.capacity = 64, .maxWaitMs = 20});
  FrameAssembler vp8(TrackFormat::Codec::Vp8);
  FrameAssembler opus(TrackFormat::Codec::Opus);
  FrameAssembler h264(TrackFormat::Codec::H264);
  RtpTimeline timeline(90000, 0);
  std::int64_t now = 0;
  std::size_t offset = 0;
  auto drain = [&](std::int64_t at) {
    while (auto packet = buffer.pop(at)) {
      for (FrameAssembler* assembler : {&vp8, &opus, &h264}) {
        auto frame = assembler->push(packet->bytes, packet->afterLoss);
        if (!frame) continue;
        if (frame->data.size() > FrameAssembler::kMaxFrameBytes) __builtin_trap();
        if (assembler == &h264 &&
            (frame->data.size() < 5 || frame->data[0] != 0 || frame->data[1] != 0 ||
             frame->data[2] != 0 || frame->data[3] != 1))
          __builtin_trap();
        (void)timeline.toMs(frame->rtpTimestamp);
      }
    }
  };
  while (offset < size) {
    const std::size_t length = data[offset++];
    const std::size_t take = length < size - offset ? length : size - offset;
    std::span<const std::uint8_t> packet(data + offset, take);
    offset += take;
    now += length & 7;
    if (take >= 4) {
      const auto sequence = static_cast<std::uint16_t>((packet[2] << 8) | packet[3]);
      buffer.push(sequence, packet, now);
    }
    if (buffer.waiting() > 64 + 1) __builtin_trap();
    drain(now);
  }
  drain(now + 1000);
  return 0;
}
