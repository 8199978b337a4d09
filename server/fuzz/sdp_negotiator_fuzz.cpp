// SdpNegotiator on arbitrary offers: answerPublisher must fail cleanly or return tracks the
// SFU can use and an answer that parses; the subscriber offer built from those tracks must
// parse too, and the same text read as a subscriber answer must give the same transport.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "media/SdpNegotiator.h"
#include "media/sdp/Codec.h"
#include "media/sdp/SessionDescription.h"

namespace {

using parley::media::SdpNegotiator;
using parley::media::sdp::SessionDescription;

const SdpNegotiator::LocalEndpoint& localEndpoint() {
  static const SdpNegotiator::LocalEndpoint local = [] {
    SdpNegotiator::LocalEndpoint l;
    l.ip = "203.0.113.5";
    l.udpPort = 40000;
    l.tcpPort = 443;
    l.iceUfrag = "fuzU";
    l.icePassword = "fuzzpasswordfuzzpassword";
    l.fingerprint = "AB:CD:EF";
    return l;
  }();
  return local;
}

// What we generate may legitimately exceed the parser's limits (many codecs × feedback).
bool withinLimits(const std::string& text) {
  return text.size() <= SessionDescription::kMaxBytes &&
         static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) <=
             SessionDescription::kMaxLines;
}

// Whatever we generate and is within the limits must parse; returns the media count.
size_t mustParse(const std::string& text) {
  if (!withinLimits(text)) return SIZE_MAX;
  const auto sd = SessionDescription::parse(text);
  if (!sd) std::abort();
  return sd->media.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view offer(reinterpret_cast<const char*>(data), size);
  const auto& local = localEndpoint();
  const auto answer = SdpNegotiator::answerPublisher(offer, local);
  if (!answer.ok()) {
    if (answer.error().message.empty()) std::abort();
    return 0;
  }
  const auto& a = answer.value();
  if (a.tracks.empty()) std::abort();
  mustParse(a.sdp);

  std::vector<SdpNegotiator::OutgoingTrack> outgoing;
  uint32_t ssrc = 1000;
  for (const auto& t : a.tracks) {
    if (t.codecs.empty()) std::abort();
    if (t.kind == parley::media::sdp::MediaKind::Application) std::abort();
    for (const auto& c : t.codecs)
      if (parley::media::sdp::sameName(c.name, "rtx")) std::abort();
    // Every RTX payload type repairs one of the track's codecs.
    for (const auto& [rtx, apt] : t.rtxPayloads)
      if (std::none_of(t.codecs.begin(), t.codecs.end(),
                       [apt = apt](const auto& c) { return c.payloadType == apt; }))
        std::abort();
    const uint32_t s = ssrc++;
    outgoing.push_back({&t, s, "track" + std::to_string(s)});
  }

  const std::string subscriberOffer =
      SdpNegotiator::offerSubscriber(outgoing, "fuzz-stream", local, 1);
  const size_t sections = mustParse(subscriberOffer);
  if (sections != SIZE_MAX && sections != outgoing.size()) std::abort();

  // The offer read as an answer: same text, so the same transport must come out of it.
  const auto read = SdpNegotiator::readSubscriberAnswer(offer);
  if (!read.ok()) std::abort();
  if (read->remote.iceUfrag != a.remote.iceUfrag ||
      read->remote.icePassword != a.remote.icePassword ||
      read->remote.fingerprint != a.remote.fingerprint)
    std::abort();

  // And as a subscriber's own offer: the answer keeps its m-lines one for one.
  const std::string reply =
      SdpNegotiator::answerSubscriberOffer(offer, outgoing, "fuzz-stream", local);
  const auto offered = SessionDescription::parse(offer);
  const size_t replySections = mustParse(reply);
  if (!offered || (replySections != SIZE_MAX && replySections != offered->media.size()))
    std::abort();
  return 0;
}
