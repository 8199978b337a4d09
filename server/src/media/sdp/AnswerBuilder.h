// Builds the SFU's answer to a client offer from the offer's model (docs/protocol.md §8.2): same
// m-lines and mids, offered payload types kept for codecs the SFU supports, RTX kept for kept
// codecs, direction reversed (sendrecv -> recvonly), unsupported sections rejected with port 0, and
// RID simulcast (RFC 8853) accepted: the offered send streams come back as a=rid recv.
#pragma once

#include <string>
#include <vector>

#include "media/sdp/Codec.h"
#include "media/sdp/SessionDescription.h"

namespace parley::media::sdp {

struct AnswerParams {
  std::string sessionId = "1";
  std::string iceUfrag;
  std::string icePwd;
  Fingerprint fingerprint;
  bool iceLite = true;
  std::vector<Codec> codecs;                  // supported; matched by name/clock/channels
  std::vector<std::string> headerExtensions;  // supported extmap URIs
  size_t maxSimulcastLayers = 3;              // RID simulcast streams accepted per m-line
};

class AnswerBuilder {
 public:
  static SessionDescription answerFor(const SessionDescription& offer, const AnswerParams& p);
};

}  // namespace parley::media::sdp
