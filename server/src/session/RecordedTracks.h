#pragma once

#include <cstdint>
#include <vector>

#include "media/MediaService.h"
#include "record/StreamFileWriter.h"

namespace parley::session {

// What a recording takes of a routed publication, for archives and broadcasts alike: the
// tracks in codecs the recorder knows (at most eight, filtered by hasAudio/hasVideo) and,
// for the SFU's tap, which of them each published track goes to.
struct RecordedTracks {
  std::vector<record::StreamFileWriter::Track> tracks;
  std::vector<std::uint8_t> outputs;  // per published track: its track in `tracks`; 0xff: none

  static RecordedTracks of(const std::vector<media::MediaService::PublishedTrack>& published,
                           bool hasAudio, bool hasVideo);
  bool hasH264() const;
};

}  // namespace parley::session
