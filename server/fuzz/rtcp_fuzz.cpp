// Every RTCP parser on every packet of an arbitrary compound datagram; builders fed with
// what was parsed must produce packets that parse back to the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "media/rtcp/Bye.h"
#include "media/rtcp/Fir.h"
#include "media/rtcp/GenericNack.h"
#include "media/rtcp/Pli.h"
#include "media/rtcp/ReceiverReport.h"
#include "media/rtcp/Remb.h"
#include "media/rtcp/RtcpCompound.h"
#include "media/rtcp/Sdes.h"
#include "media/rtcp/SenderReport.h"
#include "media/rtcp/TransportFeedback.h"

namespace {

using namespace parley::media::rtcp;

uint8_t gOut[300000];

void check(const RtcpCompound::Packet& pkt, size_t& sum) {
  const uint8_t* d = pkt.data;
  const size_t n = pkt.size;
  if (auto sr = SenderReport::parse(d, n)) {
    std::vector<ReportBlock> blocks;
    for (size_t i = 0; i < sr->reportCount(); ++i) blocks.push_back(sr->reportBlock(i));
    const size_t m = SenderReport::build(gOut, sizeof gOut, sr->info(), blocks);
    const auto back = SenderReport::parse(gOut, m);
    if (!back || back->reportCount() != blocks.size() || back->info().ssrc != sr->info().ssrc)
      std::abort();
  }
  if (auto rr = ReceiverReport::parse(d, n)) {
    for (size_t i = 0; i < rr->reportCount(); ++i) sum += rr->reportBlock(i).jitter;
  }
  if (auto sdes = Sdes::parse(d, n)) {
    sdes->forEachItem([&](const Sdes::Item& item) { sum += item.text.size(); });
    (void)sdes->cname(0);
  }
  if (auto bye = Bye::parse(d, n)) {
    for (size_t i = 0; i < bye->ssrcCount(); ++i) sum += bye->ssrc(i);
    if (auto r = bye->reason()) sum += r->size();
  }
  if (auto nack = GenericNack::parse(d, n)) {
    std::vector<uint16_t> lost(nack->entryCount() * GenericNack::kMaxLostPerEntry);
    lost.resize(nack->lostSequenceNumbers(lost.data(), lost.size()));
    (void)GenericNack::build(gOut, sizeof gOut, 1, 2, lost.data(), lost.size());
  }
  if (auto pli = Pli::parse(d, n)) sum += pli->mediaSsrc();
  if (auto fir = Fir::parse(d, n)) {
    for (size_t i = 0; i < fir->entryCount(); ++i) sum += fir->entry(i).ssrc;
  }
  if (auto remb = Remb::parse(d, n)) {
    std::vector<uint32_t> ssrcs;
    for (size_t i = 0; i < remb->ssrcCount(); ++i) ssrcs.push_back(remb->ssrc(i));
    const size_t m = Remb::build(gOut, sizeof gOut, 1, remb->bitrate(), ssrcs);
    const auto back = Remb::parse(gOut, m);
    if (!back || back->ssrcCount() != ssrcs.size() || back->bitrate() > remb->bitrate())
      std::abort();
  }
  if (auto fb = TransportFeedback::parse(d, n)) {
    std::vector<TransportFeedback::Packet> packets;
    size_t received = 0;
    fb->forEachPacket([&](const TransportFeedback::Packet& p) {
      packets.push_back(p);
      if (p.received) ++received;
    });
    if (packets.size() != fb->packetStatusCount() || received != fb->receivedCount()) std::abort();
    if (!packets.empty()) {
      TransportFeedback::Header h;
      h.baseSequenceNumber = fb->baseSequenceNumber();
      h.referenceTime = fb->referenceTime();
      const size_t m =
          TransportFeedback::build(gOut, sizeof gOut, h, packets.data(), packets.size());
      const auto back = TransportFeedback::parse(gOut, m);
      if (!back || back->packetStatusCount() != packets.size()) std::abort();
      size_t i = 0;
      back->forEachPacket([&](const TransportFeedback::Packet& p) {
        if (p.sequenceNumber != packets[i].sequenceNumber || p.received != packets[i].received ||
            p.deltaTicks != packets[i].deltaTicks)
          std::abort();
        ++i;
      });
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  size_t sum = 0;
  RtcpCompound c(data, size);
  while (auto pkt = c.next()) check(*pkt, sum);
  (void)RtcpCompound::isValid(data, size);
  return sum == SIZE_MAX ? 1 : 0;
}
