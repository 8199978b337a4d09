#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "media/sdp/Codec.h"
#include "media/sdp/MediaSection.h"

namespace parley::media {

// Header extension ids negotiated on one m-line (0: not negotiated).
struct HeaderExtensionIds {
  uint8_t mid = 0;
  uint8_t absSendTime = 0;
  uint8_t transportCc = 0;
  uint8_t audioLevel = 0;
  uint8_t videoOrientation = 0;
  uint8_t rid = 0;
  uint8_t repairedRid = 0;
};

// One negotiated track of a publisher's peer connection (an m-line the SFU receives), as
// the control thread hands it to a worker and later uses it to offer the track to
// subscribers.
struct TrackDescription {
  struct Layer {
    uint32_t ssrc = 0;     // 0: not signalled yet (RID simulcast learns it from packets)
    uint32_t rtxSsrc = 0;  // 0: none
    std::string rid;
  };

  sdp::MediaKind kind = sdp::MediaKind::Audio;
  std::string mid;
  std::vector<sdp::Codec> codecs;          // negotiated media codecs, answer order, no RTX
  std::map<uint8_t, uint8_t> rtxPayloads;  // rtx payload type → the one it repairs
  std::vector<sdp::Extmap> extmaps;        // negotiated header extensions
  HeaderExtensionIds ext;
  std::vector<Layer> layers;  // simulcast: lowest resolution first
  std::string cname;
  bool nack = false;
  bool pli = false;
  bool fir = false;
  bool transportCc = false;
  bool remb = false;

  uint32_t clockRate() const { return codecs.empty() ? 90000 : codecs.front().clockRate; }
  bool isVideo() const { return kind == sdp::MediaKind::Video; }
};

}  // namespace parley::media
