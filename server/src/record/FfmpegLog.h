#pragma once

namespace parley::record {

// FFmpeg's own log, which writes to stderr whatever its libraries say (x264's statistics at
// every close, a decoder's complaint about each broken frame a publisher sends): installed
// once by every record/ class that opens a codec, it passes warnings and errors to parleyd's
// log, rate-limited (a hostile publisher can make a decoder complain at will), and drops the
// rest.
class FfmpegLog {
 public:
  static void install();
};

}  // namespace parley::record
