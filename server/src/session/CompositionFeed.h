#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "record/Composer.h"
#include "record/compose/Layout.h"

namespace parley::session {

struct LiveSession;

// What composed archives and broadcasts do alike with their record::Composer: its canvas and
// settings, its layout, and joining a published stream to it.
class CompositionFeed {
 public:
  // The canvas of a resolution: "640x480" and the other sizes OpenTok offers.
  static std::pair<int, int> canvasSize(const std::string& resolution);
  // Composer settings at `resolution`; maxBitrate unset or 0: the encoder's own rate.
  static record::Composer::Settings settings(const std::string& resolution, bool hasAudio,
                                             bool hasVideo, std::optional<std::int64_t> maxBitrate,
                                             int framesPerSecond, std::int64_t playoutDelayMs);
  // The layout the options ask for (core::ArchiveOptions and core::BroadcastOptions name the
  // fields alike); nullopt, with `why`, when it is not a valid one.
  template <typename Options>
  static std::optional<record::compose::Layout> layoutOf(const Options& o, std::string* why) {
    return record::compose::Layout::create(o.layoutType, o.layoutStylesheet, o.screenshareType,
                                           why);
  }
  // Joins `streamId` (tap `tapId`, its order in the composition) to `composer`, with what the
  // live session knows of the stream; the writer its tap's packets go to.
  static std::unique_ptr<record::PacketWriter> join(record::Composer& composer,
                                                    const LiveSession* live,
                                                    const std::string& streamId,
                                                    std::uint64_t tapId,
                                                    std::vector<record::Composer::Track> tracks,
                                                    std::function<void()> wantKeyframe);
};

}  // namespace parley::session
