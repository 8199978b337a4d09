#pragma once

#include <string>

struct AVCodecContext;
struct AVPacket;

namespace parley::record {

// One destination of a composition's encoded media (an MP4 file, an HLS stream, an RTMP
// server): CompositionEncoder encodes once and hands every packet to each of its muxers.
class PacketMuxer {
 public:
  virtual ~PacketMuxer() = default;

  // Once the encoders are open (either may be null: no such track). False, with `error`,
  // when the destination cannot be started at all.
  virtual bool start(const AVCodecContext* video, const AVCodecContext* audio,
                     std::string* error) = 0;
  // One packet, its timestamps in its encoder's time base; `packet` stays the caller's. False
  // when this destination has failed for good (a full disk); a destination that can come back
  // (a network peer) keeps trying on its own and returns true.
  virtual bool write(const AVPacket& packet, bool video, std::string* error) = 0;
  // Closes the destination. Idempotent.
  virtual bool finish(std::string* error) = 0;
  // Whether the composition fails when this destination fails (a file does; one of several
  // RTMP servers does not).
  virtual bool essential() const { return true; }
};

}  // namespace parley::record
