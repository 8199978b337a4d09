// FrameAssembler's H.264 path (RFC 6184, packetization mode 1) on hand-made packets: single
// NAL units, STAP-A and FU-A become Annex B access units; anything missing costs the frame
// and everything up to the next IDR. (VP8 and Opus go through RtpRecordingTest with a real
// clip; so does H.264 in H264RecordingTest.)
#include "record/FrameAssembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "RtpClip.h"
#include "record/ReorderBuffer.h"

namespace parley::record {
namespace {

using Bytes = std::vector<std::uint8_t>;

const Bytes kSps = {0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0};
const Bytes kPps = {0x68, 0xcb, 0x83, 0xcb, 0x20};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
const Bytes kSlice = {0x41, 0x9a, 0x02, 0x11, 0x22};

Bytes packet(std::uint16_t seq, std::uint32_t ts, bool marker, const Bytes& payload) {
  Bytes p = recordtest::rtp(102, marker, seq, ts, 0x1234);
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

Bytes stapA(std::initializer_list<const Bytes*> nals) {
  Bytes p = {0x78};  // NRI 3, type 24
  for (const Bytes* n : nals) {
    p.push_back(static_cast<std::uint8_t>(n->size() >> 8));
    p.push_back(static_cast<std::uint8_t>(n->size()));
    p.insert(p.end(), n->begin(), n->end());
  }
  return p;
}

// The FU-A payloads carrying `nal` in pieces of at most `chunk` bytes.
std::vector<Bytes> fuA(const Bytes& nal, std::size_t chunk) {
  std::vector<Bytes> out;
  const std::uint8_t indicator = static_cast<std::uint8_t>((nal[0] & 0xE0) | 28);
  for (std::size_t off = 1; off < nal.size(); off += chunk) {
    const std::size_t n = std::min(chunk, nal.size() - off);
    std::uint8_t header = nal[0] & 0x1F;
    if (off == 1) header |= 0x80;
    if (off + n == nal.size()) header |= 0x40;
    Bytes p = {indicator, header};
    p.insert(p.end(), nal.begin() + static_cast<std::ptrdiff_t>(off),
             nal.begin() + static_cast<std::ptrdiff_t>(off + n));
    out.push_back(std::move(p));
  }
  return out;
}

Bytes annexB(std::initializer_list<const Bytes*> nals) {
  Bytes out;
  for (const Bytes* n : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), n->begin(), n->end());
  }
  return out;
}

// One access unit's packets: STAP-A(SPS, PPS) and a FU-A IDR for keyframes, one single NAL
// slice otherwise.
std::vector<Bytes> accessUnit(std::uint16_t* seq, std::uint32_t ts, bool keyframe,
                              const Bytes& idr) {
  std::vector<Bytes> payloads;
  if (keyframe) {
    payloads.push_back(stapA({&kSps, &kPps}));
    for (auto& f : fuA(idr, 4)) payloads.push_back(std::move(f));
  } else {
    payloads.push_back(kSlice);
  }
  std::vector<Bytes> packets;
  for (std::size_t i = 0; i < payloads.size(); ++i)
    packets.push_back(packet((*seq)++, ts, i + 1 == payloads.size(), payloads[i]));
  return packets;
}

struct Fed {
  std::vector<EncodedFrame> frames;
  bool wanted = false;  // keyframeWanted() after some packet
};

Fed feed(FrameAssembler& a, const std::vector<Bytes>& packets, bool afterLossOnFirst = false) {
  Fed fed;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (auto f = a.push(packets[i], afterLossOnFirst && i == 0)) fed.frames.push_back(*f);
    fed.wanted = fed.wanted || a.keyframeWanted();
  }
  return fed;
}

TEST(FrameAssemblerTest, H264SingleNalUnitsMakeAnnexBAccessUnits) {
  FrameAssembler a(TrackFormat::Codec::H264);
  // An IDR alone, then an access unit of two slices (two packets, one timestamp).
  auto fed = feed(a, {packet(1, 1000, true, kIdr), packet(2, 4000, false, kSlice),
                      packet(3, 4000, true, kSlice)});
  ASSERT_EQ(fed.frames.size(), 2u);
  EXPECT_TRUE(fed.frames[0].keyframe);
  EXPECT_EQ(fed.frames[0].rtpTimestamp, 1000u);
  EXPECT_EQ(fed.frames[0].data, annexB({&kIdr}));
  EXPECT_FALSE(fed.frames[1].keyframe);
  EXPECT_EQ(fed.frames[1].data, annexB({&kSlice, &kSlice}));
  EXPECT_FALSE(a.keyframeWanted());
  EXPECT_EQ(a.framesDropped(), 0u);
}

TEST(FrameAssemblerTest, H264StapAIsSplitAndFuAIsPutBackTogether) {
  FrameAssembler a(TrackFormat::Codec::H264);
  std::uint16_t seq = 65533;  // across the wrap
  auto packets = accessUnit(&seq, 90000, true, kIdr);
  ASSERT_EQ(packets.size(), 4u);  // STAP-A and three fragments of the 9 bytes after the header
  auto fed = feed(a, packets);
  ASSERT_EQ(fed.frames.size(), 1u);
  EXPECT_TRUE(fed.frames[0].keyframe);
  // The fragmented unit's header is rebuilt from the FU indicator and FU header.
  EXPECT_EQ(fed.frames[0].data, annexB({&kSps, &kPps, &kIdr}));
}

TEST(FrameAssemblerTest, H264FramesBeforeTheFirstIdrAreDropped) {
  FrameAssembler a(TrackFormat::Codec::H264);
  EXPECT_TRUE(a.keyframeWanted());
  std::uint16_t seq = 10;
  auto fed = feed(a, accessUnit(&seq, 0, false, kIdr));
  EXPECT_TRUE(fed.frames.empty());
  // Parameter sets alone are no keyframe either.
  fed = feed(a, {packet(seq++, 3000, true, stapA({&kSps, &kPps}))});
  EXPECT_TRUE(fed.frames.empty());
  EXPECT_EQ(a.framesDropped(), 2u);
  fed = feed(a, accessUnit(&seq, 6000, true, kIdr));
  ASSERT_EQ(fed.frames.size(), 1u);
  EXPECT_FALSE(a.keyframeWanted());
}

TEST(FrameAssemblerTest, H264ALostMiddleFragmentCostsFramesUntilTheNextIdr) {
  for (const bool reported : {true, false}) {
    SCOPED_TRACE(reported ? "loss reported by the reorder buffer" : "gap seen in sequence");
    FrameAssembler a(TrackFormat::Codec::H264);
    std::uint16_t seq = 100;
    ASSERT_EQ(feed(a, accessUnit(&seq, 0, true, kIdr)).frames.size(), 1u);
    // The next IDR loses its second fragment.
    auto lossy = accessUnit(&seq, 3000, true, kIdr);
    lossy.erase(lossy.begin() + 2);
    std::vector<Bytes> before(lossy.begin(), lossy.begin() + 2);
    std::vector<Bytes> after(lossy.begin() + 2, lossy.end());
    auto fed = feed(a, before);
    EXPECT_FALSE(fed.wanted) << "a keyframe is on its way";
    fed = feed(a, after, reported);
    EXPECT_TRUE(fed.frames.empty()) << "a frame with a hole is never handed out";
    EXPECT_TRUE(a.keyframeWanted());
    // Delta frames after it refer to what was lost.
    fed = feed(a, accessUnit(&seq, 6000, false, kIdr));
    EXPECT_TRUE(fed.frames.empty());
    EXPECT_TRUE(a.keyframeWanted());
    fed = feed(a, accessUnit(&seq, 9000, true, kIdr));
    ASSERT_EQ(fed.frames.size(), 1u);
    EXPECT_EQ(fed.frames[0].data, annexB({&kSps, &kPps, &kIdr}));
    EXPECT_FALSE(a.keyframeWanted());
    EXPECT_EQ(a.framesDropped(), 2u);
  }
}

TEST(FrameAssemblerTest, H264AccessUnitWithoutItsEndIsDropped) {
  FrameAssembler a(TrackFormat::Codec::H264);
  std::uint16_t seq = 1;
  ASSERT_EQ(feed(a, accessUnit(&seq, 0, true, kIdr)).frames.size(), 1u);
  // The last fragment (with the marker) of an IDR is lost and nobody says so: the next
  // timestamp shows it.
  auto lossy = accessUnit(&seq, 3000, true, kIdr);
  lossy.pop_back();
  EXPECT_TRUE(feed(a, lossy).frames.empty());
  EXPECT_TRUE(feed(a, accessUnit(&seq, 6000, false, kIdr)).frames.empty());
  EXPECT_TRUE(a.keyframeWanted());
  // A FU-A that ends without its E bit but with the marker is cut short too.
  auto cut = fuA(kIdr, 4);
  auto fed = feed(a, {packet(seq, 9000, false, cut[0]), packet(seq + 1, 9000, true, cut[1])});
  seq += 2;
  EXPECT_TRUE(fed.frames.empty());
  // And one that starts with a middle fragment lost its start.
  fed = feed(a, {packet(seq, 12000, false, cut[1]), packet(seq + 1, 12000, true, cut[2])});
  seq += 2;
  EXPECT_TRUE(fed.frames.empty());
  EXPECT_EQ(feed(a, accessUnit(&seq, 15000, true, kIdr)).frames.size(), 1u);
}

TEST(FrameAssemblerTest, H264AccessUnitsAreBoundedInSize) {
  FrameAssembler a(TrackFormat::Codec::H264);
  // An IDR of more than kMaxFrameBytes in 1200-byte fragments.
  Bytes huge(FrameAssembler::kMaxFrameBytes + 10, 0x55);
  huge[0] = 0x65;
  std::uint16_t seq = 0;
  std::vector<Bytes> packets;
  const auto fragments = fuA(huge, 1200);
  for (std::size_t i = 0; i < fragments.size(); ++i)
    packets.push_back(packet(seq++, 0, i + 1 == fragments.size(), fragments[i]));
  auto fed = feed(a, packets);
  EXPECT_TRUE(fed.frames.empty());
  EXPECT_TRUE(a.keyframeWanted());
  EXPECT_EQ(feed(a, accessUnit(&seq, 3000, true, kIdr)).frames.size(), 1u);
}

TEST(FrameAssemblerTest, H264PacketsReorderedByTheNetworkMakeTheSameFrames) {
  // Ten access units sent through a ReorderBuffer in shuffled windows, as RtpRecording
  // does for VP8: the same frames come out, in order.
  std::uint16_t seq = 65530;
  std::vector<Bytes> sent;
  Bytes bigIdr(300, 0x21);
  bigIdr[0] = 0x65;
  for (int i = 0; i < 10; ++i) {
    auto unit = accessUnit(&seq, static_cast<std::uint32_t>(i) * 3000, i % 5 == 0, bigIdr);
    sent.insert(sent.end(), unit.begin(), unit.end());
  }
  std::mt19937 random(3);
  auto shuffled = sent;
  for (std::size_t i = 0; i + 5 <= shuffled.size(); i += 5)
    std::shuffle(shuffled.begin() + static_cast<std::ptrdiff_t>(i),
                 shuffled.begin() + static_cast<std::ptrdiff_t>(i + 5), random);
  ASSERT_NE(shuffled, sent);
  ReorderBuffer buffer({});
  FrameAssembler a(TrackFormat::Codec::H264);
  std::vector<EncodedFrame> frames;
  std::int64_t now = 0;
  auto drain = [&](std::int64_t at) {
    while (auto p = buffer.pop(at))
      if (auto f = a.push(p->bytes, p->afterLoss)) frames.push_back(*f);
  };
  for (const auto& p : shuffled) {
    buffer.push(static_cast<std::uint16_t>((p[2] << 8) | p[3]), p, ++now);
    drain(now);
  }
  drain(now + 10000);
  ASSERT_EQ(frames.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(frames[static_cast<std::size_t>(i)].rtpTimestamp,
              static_cast<std::uint32_t>(i) * 3000);
    EXPECT_EQ(frames[static_cast<std::size_t>(i)].keyframe, i % 5 == 0);
  }
  EXPECT_EQ(frames[0].data, annexB({&kSps, &kPps, &bigIdr}));
  EXPECT_EQ(a.framesDropped(), 0u);
}

// VP9 (RFC 9628): a 1-byte non-flexible descriptor, B/E per layer frame, P for inter frames.
Bytes vp9(std::uint16_t seq, std::uint32_t ts, bool marker, bool begin, bool end, bool inter,
          const Bytes& body) {
  Bytes payload = {
      static_cast<std::uint8_t>((inter ? 0x40 : 0) | (begin ? 0x08 : 0) | (end ? 0x04 : 0))};
  payload.insert(payload.end(), body.begin(), body.end());
  return packet(seq, ts, marker, payload);
}

TEST(FrameAssemblerTest, Vp9LayersOfOnePictureBecomeOneSuperframe) {
  FrameAssembler a(TrackFormat::Codec::Vp9);
  const Bytes base = {0x82, 0x49, 0x83, 0x42, 0x00};
  const Bytes upperHead = {0x86, 0x01, 0x02};
  const Bytes upperTail = {0x03, 0x04};
  EXPECT_FALSE(a.push(vp9(1, 900, false, true, true, false, base), false));
  EXPECT_FALSE(a.push(vp9(2, 900, false, true, false, false, upperHead), false));
  auto frame = a.push(vp9(3, 900, true, false, true, false, upperTail), false);
  ASSERT_TRUE(frame);
  EXPECT_TRUE(frame->keyframe);
  // base (5) + upper (5), then the index: marker 0b11011001 (4-byte sizes, 2 frames),
  // 5 and 5 little-endian, marker again.
  const Bytes want = {0x82, 0x49, 0x83, 0x42, 0x00, 0x86, 0x01, 0x02, 0x03, 0x04,
                      0xd9, 5,    0,    0,    0,    5,    0,    0,    0,    0xd9};
  EXPECT_EQ(frame->data, want);
  // One layer: the frame as it came, no index.
  auto single = a.push(vp9(4, 1800, true, true, true, true, {0x86, 0x07}), false);
  ASSERT_TRUE(single);
  EXPECT_FALSE(single->keyframe);
  EXPECT_EQ(single->data, (Bytes{0x86, 0x07}));
}

TEST(FrameAssemblerTest, Vp9ALossCostsFramesUntilTheNextKeyframe) {
  FrameAssembler a(TrackFormat::Codec::Vp9);
  EXPECT_FALSE(a.push(vp9(1, 900, true, true, true, true, {1}), false)) << "no keyframe yet";
  EXPECT_TRUE(a.keyframeWanted());
  EXPECT_TRUE(a.push(vp9(2, 1800, true, true, true, false, {2}), false));
  EXPECT_FALSE(a.push(vp9(4, 2700, true, true, true, true, {3}), true)) << "after a loss";
  // A picture whose last layer never ended (the marker came without E) is dropped too.
  EXPECT_FALSE(a.push(vp9(5, 3600, true, true, false, false, {4}), false));
  EXPECT_TRUE(a.push(vp9(6, 4500, true, true, true, false, {5}), false));
}

TEST(FrameAssemblerTest, H264MalformedPayloadsAreIgnored) {
  FrameAssembler a(TrackFormat::Codec::H264);
  // STAP-B (25), FU-B (29), a forbidden bit, a STAP-A whose length overruns.
  for (const Bytes& bad : {Bytes{0x79, 0, 1, 0x65}, Bytes{0x7d, 0x85, 0, 0, 1}, Bytes{0xe5, 1, 2},
                           Bytes{0x78, 0x00, 0x09, 0x65}})
    EXPECT_FALSE(a.push(packet(1, 0, true, bad), false));
  EXPECT_EQ(a.framesDropped(), 0u);
  EXPECT_EQ(feed(a, {packet(2, 0, true, kIdr)}).frames.size(), 1u);
}

}  // namespace
}  // namespace parley::record
