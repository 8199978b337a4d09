// Writes a SessionDescription as SDP text with CRLF line ends, in a fixed attribute order.
// SessionDescription::parse(serialize(x)) == x for everything the model holds.
#pragma once

#include <string>

#include "media/sdp/SessionDescription.h"

namespace parley::media::sdp {

class SdpSerializer {
 public:
  static std::string serialize(const SessionDescription& sd);
  static const char* directionName(Direction d);
  static const char* setupName(Setup s);
  static const char* kindName(MediaKind k);
};

}  // namespace parley::media::sdp
