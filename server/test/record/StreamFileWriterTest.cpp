// The recorder's whole path for one stream: packets queued in a PacketRing (as a media
// worker's RecordingTap does) are drained by a Recorder thread into a StreamFileWriter,
// which writes the file that ffprobe then decodes. Runs under ThreadSanitizer too.
#include "record/StreamFileWriter.h"

#include <gtest/gtest.h>
#include <algorithm>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "RecordTestSupport.h"
#include "record/MediaFileReader.h"
#include "record/PacketRing.h"
#include "record/Recorder.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;

class StreamFileWriterTest : public recordtest::ClipTest {
 protected:
  void SetUp() override {
    recordtest::ClipTest::SetUp();
    if (HasFatalFailure()) return;
    std::string error;
    auto reader = MediaFileReader::open(clip_.string(), &error);
    ASSERT_TRUE(reader) << error;
    int videoFrames = 0;
    packets_ = recordtest::packetize(*reader, &videoFrames);
    ASSERT_EQ(videoFrames, 90);
  }

  // Records `packets` through a ring and a recorder thread; returns the writer's outcome.
  StreamFileWriter::Result record(const std::vector<recordtest::RtpPacketOut>& packets,
                                  const fs::path& file, int* keyframeRequests) {
    std::atomic<int> requests{0};
    std::promise<StreamFileWriter::Result> done;
    auto finished = done.get_future();
    std::string error;
    // As RTP announces them: the size is not known, Opus runs at 48 kHz.
    std::vector<StreamFileWriter::Track> tracks = {{TrackFormat{TrackFormat::Codec::Vp8}, 90000},
                                                   {TrackFormat{TrackFormat::Codec::Opus}, 48000}};
    auto writer = StreamFileWriter::create(
        file.string(), tracks, 0, [&requests] { requests++; },
        [&done](const StreamFileWriter::Result& r) { done.set_value(r); }, &error);
    EXPECT_TRUE(writer) << error;
    auto ring = std::make_shared<PacketRing>(256);
    {
      Recorder recorder(std::chrono::milliseconds(1));
      recorder.add(ring, std::move(writer));
      std::int64_t arrivalUs = 0;
      for (const auto& p : packets) {
        const auto track = static_cast<std::uint8_t>(p.track == 0 ? 0 : 1);
        // Packets arrive when their frame was captured (the writer keeps audio and video in
        // step by arrival), never before the previous one.
        arrivalUs = std::max(arrivalUs + 1, recordtest::capturedUs(p));
        // The test is a patient producer: a worker would drop instead.
        while (!ring->push(p.bytes, arrivalUs, track, 0, false))
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      ring->close();
      EXPECT_EQ(finished.wait_for(std::chrono::seconds(60)), std::future_status::ready);
    }
    *keyframeRequests = requests.load();
    return finished.get();
  }

  std::vector<recordtest::RtpPacketOut> packets_;
};

TEST_F(StreamFileWriterTest, ARingDrainedByTheRecorderThreadBecomesAPlayableFile) {
  // Video is track 0 of the clip's packetization; map the clip's own track numbers.
  int requests = 0;
  const fs::path out = dir_.path() / "stream.webm";
  auto result = record(packets_, out, &requests);
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(requests, 0) << "nothing was lost";
  EXPECT_EQ(result.packetsLost, 0u);
  EXPECT_NEAR(static_cast<double>(result.durationMs), 3000.0, 150.0);
  const core::Json info = recordtest::probe(out);
  EXPECT_EQ(recordtest::framesOf(info, "vp8"), 90) << info.dump();
  EXPECT_GT(recordtest::framesOf(info, "opus"), 140) << info.dump();
}

TEST_F(StreamFileWriterTest, ALossAsksThePublisherForAKeyframeOnce) {
  auto lost = std::find_if(packets_.begin(), packets_.end(),
                           [](const recordtest::RtpPacketOut& p) { return p.frameIndex == 40; });
  ASSERT_NE(lost, packets_.end());
  packets_.erase(lost);
  int requests = 0;
  const fs::path out = dir_.path() / "lossy.webm";
  auto result = record(packets_, out, &requests);
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(requests, 1);
  EXPECT_EQ(result.packetsLost, 1u);
  EXPECT_EQ(recordtest::framesOf(recordtest::probe(out), "vp8"), 70);
}

// start_time of the stream with `codec` in seconds (ffprobe), or -1.
double startTimeOf(const fs::path& file, const std::string& codec) {
  auto json = core::Json::parse(recordtest::runCommand(
      "ffprobe -v error -show_entries stream=codec_name,start_time -of json '" + file.string() +
      "'"));
  if (!json || !json->find("streams")) return -1;
  for (const auto& s : json->find("streams")->items())
    if (s.getString("codec_name") == codec)
      return std::atof(s.getString("start_time").value_or("-1").c_str());
  return -1;
}

// Tracks are placed by when they arrive: audio that starts 300 ms after the picture (its
// first packets never came) starts 300 ms into the file, not at zero beside the video.
TEST_F(StreamFileWriterTest, ATrackThatStartsLaterStaysInStepWithTheOther) {
  std::erase_if(packets_, [](const recordtest::RtpPacketOut& p) {
    if (p.track == 0) return false;
    const std::uint32_t ts =
        (std::uint32_t(p.bytes[4]) << 24) | (p.bytes[5] << 16) | (p.bytes[6] << 8) | p.bytes[7];
    return static_cast<std::int32_t>(ts) < 300 * 48;
  });
  int requests = 0;
  const fs::path out = dir_.path() / "late-audio.webm";
  auto result = record(packets_, out, &requests);
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_NEAR(startTimeOf(out, "vp8"), 0.0, 0.02);
  EXPECT_NEAR(startTimeOf(out, "opus"), 0.3, 0.04);
}

// The network delays audio by 80 ms more than video: by arrival alone the audio would play
// 80 ms late. The publisher's sender reports (its clock, in step for both tracks) put it back.
TEST_F(StreamFileWriterTest, SenderReportsPutAudioInStepWithVideoWhateverTheNetworkDid) {
  constexpr std::int64_t kAudioDelayUs = 80000;
  for (const bool withReports : {false, true}) {
    SCOPED_TRACE(withReports ? "with sender reports" : "by arrival only");
    const fs::path out = dir_.path() / (withReports ? "reports.webm" : "arrival.webm");
    std::vector<StreamFileWriter::Track> tracks = {{TrackFormat{TrackFormat::Codec::Vp8}, 90000},
                                                   {TrackFormat{TrackFormat::Codec::Opus}, 48000}};
    StreamFileWriter::Result result;
    std::string error;
    auto writer = StreamFileWriter::create(
        out.string(), tracks, 0, {}, [&result](const StreamFileWriter::Result& r) { result = r; },
        &error);
    ASSERT_TRUE(writer) << error;
    auto slot = std::make_unique<PacketRing::Packet>();
    if (withReports) {
      // Both RTP streams' timestamp 0 is the same instant on the publisher's clock.
      const std::uint64_t ntp = 1000ull << 32;
      for (std::uint8_t track = 0; track < 2; ++track) {
        slot->senderReport = true;
        slot->track = track;
        slot->size = 12;
        for (int i = 0; i < 8; ++i) slot->bytes[i] = static_cast<std::uint8_t>(ntp >> (56 - 8 * i));
        for (int i = 8; i < 12; ++i) slot->bytes[i] = 0;
        writer->write(*slot);
      }
    }
    slot->senderReport = false;
    for (const auto& p : packets_) {
      const std::uint8_t track = p.track == 0 ? 0 : 1;
      slot->track = track;
      slot->arrivalUs = recordtest::capturedUs(p) + (track == 1 ? kAudioDelayUs : 0);
      slot->size = static_cast<std::uint32_t>(p.bytes.size());
      std::memcpy(slot->bytes.data(), p.bytes.data(), p.bytes.size());
      writer->write(*slot);
    }
    writer->finish(0);
    EXPECT_TRUE(result.ok) << result.error;
    const double gap = startTimeOf(out, "opus") - startTimeOf(out, "vp8");
    if (withReports) {
      EXPECT_NEAR(gap, 0.0, 0.025);
      EXPECT_GE(result.syncShifts, 1u);
    } else {
      EXPECT_NEAR(gap, 0.08, 0.025) << "the network's skew, which the reports correct";
      EXPECT_EQ(result.syncShifts, 0u);
    }
  }
}

TEST_F(StreamFileWriterTest, AnUnwritablePathIsRefusedUpFront) {
  std::string error;
  EXPECT_FALSE(StreamFileWriter::create((dir_.path() / "missing" / "x.webm").string(),
                                        {{TrackFormat{TrackFormat::Codec::Opus}, 48000}}, 0, {}, {},
                                        &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace parley::record
