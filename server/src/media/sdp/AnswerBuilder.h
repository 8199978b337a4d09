// Builds the SFU's answer to a client offer from the offer's model (spec §8.2): same m-lines and
// mids, offered payload types kept for codecs the SFU supports, RTX kept for kept codecs,
// direction reversed (sendrecv -> recvonly), unsupported sections rejected with port 0.
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
};

class AnswerBuilder {
 public:
  static SessionDescription answerFor(const SessionDescription& offer, const AnswerParams& p);
};

}  // namespace parley::media::sdp
