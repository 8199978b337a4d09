#pragma once

#include <optional>

#include "core/Json.h"
#include "media/TrackDescription.h"
#include "media/TransportDescription.h"

namespace parley::media {

// Track and transport descriptions as JSON, the form they cross to another node in
// (docs/cluster.md, "Sessions that span nodes"). The readers check every field's type and
// range and bound every list, and give nullopt for anything else: the text came over the
// network.
class DescriptionJson {
 public:
  static core::Json track(const TrackDescription& track);
  static std::optional<TrackDescription> readTrack(const core::Json& json);
  static core::Json transport(const TransportDescription& transport);
  static std::optional<TransportDescription> readTransport(const core::Json& json);
};

}  // namespace parley::media
