#include "core/ArchiveOptions.h"

#include <gtest/gtest.h>

#include "OptionsParsing.h"

namespace parley::core {
namespace {

Result<ArchiveOptions> parse(const std::string& json) {
  return options_parsing::parse<ArchiveOptions>(json);
}

void expectRefused(const std::string& json, const std::string& mentions) {
  options_parsing::expectRefused<ArchiveOptions>(json, mentions);
}

TEST(ArchiveOptionsTest, DefaultsAreOpenToksForAMinimalStart) {
  auto r = parse(R"({"sessionId":"1_MX4x"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& o = r.value();
  EXPECT_EQ(o.sessionId, "1_MX4x");
  EXPECT_TRUE(o.hasAudio && o.hasVideo);
  EXPECT_EQ(o.outputMode, ArchiveOptions::OutputMode::Composed);
  EXPECT_EQ(o.streamMode, ArchiveOptions::StreamMode::Auto);
  EXPECT_EQ(o.resolution, "640x480");
  EXPECT_EQ(o.layoutType, "bestFit");
  EXPECT_FALSE(o.maxBitrate || o.quantizationParameter);
}

TEST(ArchiveOptionsTest, ReadsEveryFieldTheSdksSend) {
  auto r = parse(R"({"sessionId":"s","name":"Lecture","hasAudio":true,"hasVideo":false,
    "outputMode":"composed","resolution":"1080x1920","streamMode":"manual",
    "multiArchiveTag":"tag-2","maxBitrate":2000000,
    "layout":{"type":"bestFit","screenshare_type":"pip"},"somethingNew":1})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& o = r.value();
  EXPECT_EQ(o.name, "Lecture");
  EXPECT_FALSE(o.hasVideo);
  EXPECT_EQ(o.resolution, "1080x1920");
  EXPECT_EQ(o.streamMode, ArchiveOptions::StreamMode::Manual);
  EXPECT_EQ(o.multiArchiveTag, "tag-2");
  EXPECT_EQ(o.maxBitrate, 2000000);
  EXPECT_EQ(o.screenshareType, "pip") << "the Ruby SDK's snake case";

  auto custom = parse(R"({"sessionId":"s","layout":{"type":"custom",
    "stylesheet":"stream.instructor {position: absolute;}"},"quantizationParameter":25})");
  ASSERT_TRUE(custom.ok()) << custom.error().message;
  EXPECT_EQ(custom.value().layoutType, "custom");
  EXPECT_EQ(custom.value().quantizationParameter, 25);

  auto individual = parse(R"({"sessionId":"s","outputMode":"individual","hasAudio":false})");
  ASSERT_TRUE(individual.ok()) << individual.error().message;
  EXPECT_EQ(individual.value().outputMode, ArchiveOptions::OutputMode::Individual);
}

TEST(ArchiveOptionsTest, RefusesWhatOpenTokRefuses) {
  expectRefused(R"([])", "object");
  expectRefused(R"({})", "sessionId is required");
  expectRefused(R"({"sessionId":5})", "sessionId must be a string");
  expectRefused(R"({"sessionId":"s","hasAudio":"yes"})", "hasAudio");
  expectRefused(R"({"sessionId":"s","hasAudio":false,"hasVideo":false})", "both be false");
  expectRefused(R"({"sessionId":"s","outputMode":"mixed"})", "outputMode");
  expectRefused(R"({"sessionId":"s","streamMode":"sometimes"})", "streamMode");
  expectRefused(R"({"sessionId":"s","resolution":"800x600"})", "resolution must be");
  expectRefused(R"({"sessionId":"s","outputMode":"individual","resolution":"1280x720"})",
                "composed archives only");
  expectRefused(R"({"sessionId":"s","outputMode":"individual","layout":{"type":"pip"}})",
                "composed archives only");
  expectRefused(R"({"sessionId":"s","layout":{"type":"grid"}})", "layout.type");
  expectRefused(R"({"sessionId":"s","layout":{"type":"custom"}})", "stylesheet is required");
  expectRefused(R"({"sessionId":"s","layout":{"type":"pip","stylesheet":"x"}})", "only for");
  expectRefused(R"({"sessionId":"s","layout":{"type":"pip","screenshareType":"pip"}})",
                "needs layout.type bestFit");
  expectRefused(R"({"sessionId":"s","layout":{"type":"bestFit","screenshareType":"custom"}})",
                "screenshareType must be");
  expectRefused(R"({"sessionId":"s","maxBitrate":50})", "maxBitrate");
  expectRefused(R"({"sessionId":"s","maxBitrate":1500000.5})", "whole number");
  expectRefused(R"({"sessionId":"s","quantizationParameter":41})", "quantizationParameter");
  expectRefused(R"({"sessionId":"s","maxBitrate":1000000,"quantizationParameter":20})",
                "cannot be set together");
  expectRefused(R"({"sessionId":"s","name":")" + std::string(1001, 'n') + R"("})",
                "name is longer");
}

TEST(ArchiveOptionsTest, LayoutChangesFollowTheSameRules) {
  auto ok = ArchiveOptions::parseLayout(*Json::parse(R"({"type":"verticalPresentation"})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value().layoutType, "verticalPresentation");
  EXPECT_FALSE(ArchiveOptions::parseLayout(*Json::parse(R"({"type":"custom"})")).ok());
  EXPECT_FALSE(ArchiveOptions::parseLayout(*Json::parse(R"("bestFit")")).ok());
}

}  // namespace
}  // namespace parley::core
