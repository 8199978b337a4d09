// The SFU's packet handling past SRTP, on arbitrary input: decrypted RTP from a publisher
// (RTX unwrapping, duplicate detection, keyframe detection, simulcast layers, per-consumer
// rewriting) and RTCP feedback from a subscriber (NACK → retransmission, PLI/FIR, REMB,
// receiver reports). The input is a sequence of records: [kind][len hi][len lo][bytes],
// kind bit 0 = RTCP to the subscription, else RTP into the publication.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "../test/media/MediaTestSupport.h"
#include "media/Consumer.h"
#include "media/Publication.h"
#include "media/Router.h"
#include "media/Subscription.h"
#include "media/WebRtcTransport.h"
#include "media/Worker.h"
#include "media/dtls/DtlsCertificate.h"

namespace {

using namespace parley::media;

using parley::media::testsupport::NoEvents;

TrackDescription videoTrack() {
  using parley::media::testsupport::codec;
  // The last layer binds by rid.
  auto t = parley::media::testsupport::track(sdp::MediaKind::Video, "1",
                                             {codec(96, "VP8", 90000), codec(98, "VP9", 90000),
                                              codec(102, "H264", 90000), codec(45, "AV1", 90000)},
                                             {{1000, 2000, "q"}, {1001, 2001, "h"}, {0, 0, "f"}});
  t.rtxPayloads[97] = 96;
  t.ext.absSendTime = 2;
  t.ext.transportCc = 3;
  t.ext.rid = 4;
  t.nack = t.pli = t.transportCc = true;
  return t;
}

TrackDescription audioTrack() {
  auto t = parley::media::testsupport::track(sdp::MediaKind::Audio, "0",
                                             {parley::media::testsupport::opus()}, {{3000, 0, ""}});
  t.ext.audioLevel = 1;
  return t;
}

struct Pipeline {
  NoEvents events;
  Worker worker{0, Worker::Settings{}, events};
  Router router{worker, "session"};
  std::shared_ptr<const dtls::DtlsCertificate> certificate = dtls::DtlsCertificate::generate();
  Publication* publication = nullptr;
  std::vector<Subscription*> subscriptions;

  Pipeline() {
    auto transport = std::make_unique<WebRtcTransport>(
        "pub", "pufrag", "publisherpasswordpublisher", certificate, worker);
    publication = &router.addPublication(std::make_unique<Publication>(
        router, "stream", std::vector<TrackDescription>{audioTrack(), videoTrack()},
        std::move(transport)));
    for (int i = 0; i < 2; ++i) {
      std::vector<std::unique_ptr<Consumer>> consumers;
      uint32_t ssrc = 5000 + static_cast<uint32_t>(i) * 10;
      for (auto& p : publication->producers())
        consumers.push_back(std::make_unique<Consumer>(*p, ssrc++, "track"));
      auto t =
          std::make_unique<WebRtcTransport>("sub" + std::to_string(i), "sufrag" + std::to_string(i),
                                            "subscriberpasswordsubscriber", certificate, worker);
      Subscription& s = router.addSubscription(std::make_unique<Subscription>(
          router, "sub" + std::to_string(i), *publication, std::move(t), std::move(consumers)));
      s.onTransportConnected(s.transport());
      if (i == 1) s.setPreferredSize(160, 120, 640);
      subscriptions.push_back(&s);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Pipeline* pipeline = new Pipeline();  // one worker socket for the whole run
  int64_t now = Worker::steadyNowUs();
  std::vector<uint8_t> buffer;
  size_t pos = 0;
  while (pos + 3 <= size) {
    const uint8_t kind = data[pos];
    const size_t len = (static_cast<size_t>(data[pos + 1]) << 8) | data[pos + 2];
    pos += 3;
    if (len > size - pos) break;
    buffer.assign(data + pos, data + pos + len);
    pos += len;
    now += 7000;
    if (kind & 1) {
      Subscription* s = pipeline->subscriptions[(kind >> 1) & 1];
      s->onRtcp(s->transport(), buffer.data(), buffer.size(), now);
    } else if (auto packet = parley::media::rtp::RtpPacket::parse(buffer.data(), buffer.size())) {
      pipeline->publication->onRtp(pipeline->publication->transport(), *packet, now);
    }
    if (kind & 0x80) pipeline->router.tick(now);
  }
  pipeline->worker.socket().flush();
  return 0;
}
