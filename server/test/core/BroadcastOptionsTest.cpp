#include "core/BroadcastOptions.h"

#include <gtest/gtest.h>

#include "OptionsParsing.h"

namespace parley::core {
namespace {

Result<BroadcastOptions> parse(const std::string& json) {
  return options_parsing::parse<BroadcastOptions>(json);
}

void expectRefused(const std::string& json, const std::string& mentions) {
  options_parsing::expectRefused<BroadcastOptions>(json, mentions);
}

TEST(BroadcastOptionsTest, DefaultsAreOpenToksForAnHlsStart) {
  // What the Node SDK sends for startBroadcast(sessionId, {outputs: {hls: {}}}).
  auto r = parse(R"({"sessionId":"1_MX4x","outputs":{"hls":{}},"streamMode":"auto"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& o = r.value();
  EXPECT_EQ(o.sessionId, "1_MX4x");
  ASSERT_TRUE(o.hls);
  EXPECT_FALSE(o.hls->dvr || o.hls->lowLatency);
  EXPECT_TRUE(o.rtmp.empty());
  EXPECT_EQ(o.maxDurationS, 14400);
  EXPECT_EQ(o.resolution, "640x480");
  EXPECT_EQ(o.layoutType, "bestFit");
  EXPECT_EQ(o.streamMode, BroadcastOptions::StreamMode::Auto);
  EXPECT_TRUE(o.hasAudio && o.hasVideo);
  EXPECT_FALSE(o.maxBitrate);
}

TEST(BroadcastOptionsTest, ReadsEveryFieldTheSdksSend) {
  auto r = parse(R"({"sessionId":"s","outputs":{"hls":{"dvr":true},
    "rtmp":[{"id":"foo","serverUrl":"rtmps://live.example.com/app/","streamName":"key-1"},
            {"serverUrl":"RTMP://10.0.0.1:1935/live","streamName":"two"}]},
    "maxDuration":5400,"resolution":"1280x720","streamMode":"manual","multiBroadcastTag":"t2",
    "hasAudio":false,"hasVideo":true,"maxBitrate":2000000,
    "layout":{"type":"custom","stylesheet":"stream {width: 100%}"},"somethingNew":1})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& o = r.value();
  ASSERT_TRUE(o.hls);
  EXPECT_TRUE(o.hls->dvr);
  ASSERT_EQ(o.rtmp.size(), 2u);
  EXPECT_EQ(o.rtmp[0].id, "foo");
  EXPECT_EQ(o.rtmp[0].url(), "rtmps://live.example.com/app/key-1");
  EXPECT_EQ(o.rtmp[1].id, "");
  EXPECT_EQ(o.rtmp[1].url(), "RTMP://10.0.0.1:1935/live/two");
  EXPECT_EQ(o.maxDurationS, 5400);
  EXPECT_EQ(o.resolution, "1280x720");
  EXPECT_EQ(o.streamMode, BroadcastOptions::StreamMode::Manual);
  EXPECT_EQ(o.multiBroadcastTag, "t2");
  EXPECT_FALSE(o.hasAudio);
  EXPECT_EQ(o.maxBitrate, 2000000);
  EXPECT_EQ(o.layoutType, "custom");
  EXPECT_EQ(o.layoutStylesheet, "stream {width: 100%}");
}

TEST(BroadcastOptionsTest, OneRtmpTargetMayComeAsAnObject) {
  auto r = parse(
      R"({"sessionId":"s","outputs":{"rtmp":{"serverUrl":"rtmp://h/app","streamName":"n"}}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->hls);
  ASSERT_EQ(r->rtmp.size(), 1u);
  EXPECT_EQ(r->rtmp[0].url(), "rtmp://h/app/n");
}

TEST(BroadcastOptionsTest, RefusesWhatOpenTokRefuses) {
  expectRefused(R"([])", "JSON object");
  expectRefused(R"({"outputs":{"hls":{}}})", "sessionId is required");
  expectRefused(R"({"sessionId":"s"})", "outputs is required");
  expectRefused(R"({"sessionId":"s","outputs":{}})", "outputs must have hls, rtmp or both");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":true}})", "outputs.hls must be an object");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{"dvr":true,"lowLatency":true}}})",
                "both dvr and lowLatency");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{"dvr":"yes"}}})", "outputs.hls.dvr");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{}},"maxDuration":59})", "maxDuration");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{}},"maxDuration":36001})", "maxDuration");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{}},"maxDuration":"60"})", "maxDuration");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{}},"resolution":"800x600"})", "resolution");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{}},"streamMode":"always"})", "streamMode");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{}},"hasAudio":false,"hasVideo":false})",
                "cannot both be false");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{}},"maxBitrate":99999})", "maxBitrate");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{}},"maxBitrate":6000001})", "maxBitrate");
  // The layout follows the archives' rules.
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{}},"layout":{"type":"custom"}})",
                "layout.stylesheet is required");
  expectRefused(
      R"({"sessionId":"s","outputs":{"hls":{}},"layout":{"type":"pip","screenshareType":"pip"}})",
      "screenshareType needs layout.type bestFit");
  expectRefused(R"({"sessionId":"s","outputs":{"hls":{}},"layout":{"type":"grid"}})",
                "layout.type");
}

TEST(BroadcastOptionsTest, RtmpTargetsAreBoundedAndOnlyRtmp) {
  const std::string target = R"({"serverUrl":"rtmp://h/app","streamName":"n"})";
  std::string six;
  for (int i = 0; i < 6; ++i) six += (i ? "," : "") + target;
  expectRefused(R"({"sessionId":"s","outputs":{"rtmp":[)" + six + "]}}", "at most 5");
  std::string five;
  for (int i = 0; i < 5; ++i) five += (i ? "," : "") + target;
  EXPECT_TRUE(parse(R"({"sessionId":"s","outputs":{"rtmp":[)" + five + "]}}").ok());

  auto rtmp = [](const std::string& t) {
    return R"({"sessionId":"s","outputs":{"rtmp":[)" + t + "]}}";
  };
  for (const char* url : {"http://h/app", "file:///etc/passwd", "rtmp://", "rtmp:///app",
                          "rtmp://h/a b", "h/app", ""})
    expectRefused(rtmp(std::string(R"({"streamName":"n","serverUrl":")") + url + "\"}"),
                  "serverUrl must be an rtmp:// or rtmps:// URL");
  expectRefused(rtmp(R"({"serverUrl":"rtmp://h/app"})"), "streamName is required");
  expectRefused(rtmp(R"({"serverUrl":"rtmp://h/app","streamName":"a b"})"), "streamName");
  expectRefused(rtmp(R"({"serverUrl":"rtmp://h/app","streamName":7})"), "streamName");
  expectRefused(rtmp(R"("rtmp://h/app")"), "outputs.rtmp[0] must be an object");
  expectRefused(rtmp(R"({"id":"a","serverUrl":"rtmp://h/x","streamName":"n"},)"
                     R"({"id":"a","serverUrl":"rtmp://h/y","streamName":"m"})"),
                "ids must be distinct");
  expectRefused(
      rtmp(R"({"serverUrl":"rtmp://h/)" + std::string(1100, 'a') + R"(","streamName":"n"})"),
      "longer than 1024");
  expectRefused(rtmp(R"({"serverUrl":"rtmp://h/a","streamName":")" + std::string(600, 'n') + "\"}"),
                "longer than 512");
}

}  // namespace
}  // namespace parley::core

namespace parley::core {
namespace {

TEST(BroadcastOptionsTest, AnRtmpTargetsHostAndPortForTheAddressPolicy) {
  auto target = [](const std::string& url) {
    BroadcastOptions::Rtmp r;
    r.serverUrl = url;
    r.streamName = "s";
    return r;
  };
  EXPECT_EQ(target("rtmp://live.example.com/app").host(), "live.example.com");
  EXPECT_EQ(target("rtmp://live.example.com/app").port(), 1935);
  EXPECT_EQ(target("rtmps://live.example.com/app").port(), 443);
  EXPECT_EQ(target("rtmp://10.0.0.7:19350/live").host(), "10.0.0.7");
  EXPECT_EQ(target("rtmp://10.0.0.7:19350/live").port(), 19350);
  EXPECT_EQ(target("rtmp://[::1]:1936/live").host(), "::1");
  EXPECT_EQ(target("rtmp://[::1]:1936/live").port(), 1936);
  EXPECT_EQ(target("rtmp://user:pw@127.0.0.1/live").host(), "127.0.0.1");
  EXPECT_EQ(target("rtmp://host:99999/live").port(), 1935);
  EXPECT_EQ(target("rtmp://host:12ab/live").port(), 1935);
  EXPECT_EQ(target("nonsense").host(), "");
}

}  // namespace
}  // namespace parley::core
