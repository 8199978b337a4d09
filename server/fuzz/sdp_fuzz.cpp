// SessionDescription::parse on arbitrary text; whatever parses must serialize to text that parses
// back to an equal model (unless CRLF expansion pushed it over the 64 KiB limit).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "media/sdp/AnswerBuilder.h"
#include "media/sdp/SdpSerializer.h"
#include "media/sdp/SessionDescription.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::media::sdp::SdpSerializer;
  using parley::media::sdp::SessionDescription;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto sd = SessionDescription::parse(text, &error);
  if (!sd) {
    if (error.empty()) std::abort();
    return 0;
  }
  const std::string out = SdpSerializer::serialize(*sd);
  if (out.size() > SessionDescription::kMaxBytes) return 0;
  const auto back = SessionDescription::parse(out, &error);
  if (!back || !(*back == *sd)) std::abort();
  if (SdpSerializer::serialize(*back) != out) std::abort();

  // An answer built from any parsed offer must itself parse back to the same model.
  parley::media::sdp::AnswerParams params;
  params.iceUfrag = "fuzz";
  params.icePwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
  params.fingerprint = {"sha-256", "AB:CD"};
  parley::media::sdp::Codec vp8;
  vp8.name = "VP8";
  vp8.clockRate = 90000;
  vp8.feedback = {"nack", "nack pli"};
  parley::media::sdp::Codec opus;
  opus.name = "opus";
  opus.clockRate = 48000;
  opus.channels = 2;
  params.codecs = {vp8, opus};
  params.headerExtensions = {"urn:ietf:params:rtp-hdrext:sdes:mid"};
  const auto answer = parley::media::sdp::AnswerBuilder::answerFor(*sd, params);
  const std::string answerText = SdpSerializer::serialize(answer);
  // Per-payload feedback copied from a=rtcp-fb:* can make the answer longer than the offer.
  if (answerText.size() > SessionDescription::kMaxBytes ||
      static_cast<size_t>(std::count(answerText.begin(), answerText.end(), '\n')) >
          SessionDescription::kMaxLines)
    return 0;
  const auto answerBack = SessionDescription::parse(answerText, &error);
  if (!answerBack || !(*answerBack == answer)) std::abort();
  return 0;
}
