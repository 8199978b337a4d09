#include "load/LoadReport.h"

#include <gtest/gtest.h>

#include <sstream>

#include "load/LatencyHistogram.h"

namespace parley::load {
namespace {

using core::Json;

const Json& at(const Json& j, std::initializer_list<std::string_view> path) {
  const Json* cur = &j;
  for (auto key : path) {
    cur = cur->find(key);
    if (!cur) {
      ADD_FAILURE() << "missing key " << key;
      static const Json null;
      return null;
    }
  }
  return *cur;
}

LoadReport filledReport() {
  LoadReport r;
  r.url = "http://127.0.0.1:8080";
  r.publishers = 2;
  r.subscribersPerPublisher = 50;
  r.totalSubscribers = 100;
  r.videoCodec = "VP8";
  r.simulcast = true;
  r.audio = true;
  r.durationSeconds = 30;
  r.connectionsJoined = 102;
  r.connectionsFailed = 1;
  r.subscribersConnected = 100;
  r.subscribersFailed = 2;
  LatencyHistogram join;
  for (int i = 1; i <= 100; ++i) join.add(i * 1000);  // 1..100 ms
  r.joinMs = Distribution::of(join, 0.001);
  r.firstKeyframeMs = Distribution::ofValues({120, 80, 100});
  r.addError("subscriber 7: ICE failed");
  r.bitrateKbps = Distribution::ofValues({990, 1000, 1010});
  r.packetRate = Distribution::ofValues({100, 100, 101});
  r.lossPercent = Distribution::ofValues({0, 0, 0.5});
  r.jitterMs = Distribution::ofValues({1.25, 2, 3});
  r.packetsReceived = 1'200'000;
  r.videoPacketsReceived = 1'000'000;
  r.packetsExpected = 1'201'000;
  r.packetsLost = 1'000;
  LatencyHistogram latency;
  for (int i = 0; i < 1000; ++i) latency.add(400 + i);
  r.latencyMs = Distribution::of(latency, 0.001);
  r.latencyPackets = 1000;
  r.packetsSent = 60'000;
  r.publisherBitrateKbps = 2000;
  r.keyframesSent = 12;
  r.plisReceived = 3;
  r.nacksReceived = 4;
  LatencyHistogram late;
  for (int i = 0; i < 100; ++i) late.add(i < 99 ? 20 : 2500);  // µs
  r.sendLateMs = Distribution::of(late, 0.001);
  r.serverPid = 4321;
  r.serverCpuPercent = 20.0;
  r.serverCpuSeconds = 6.0;
  r.serverRssStartBytes = 50'000'000;
  r.serverRssEndBytes = 56'400'000;
  r.serverRssPeakBytes = 57'000'000;
  r.loadCpuPercent = 75.5;
  r.derive();
  return r;
}

TEST(LoadReportTest, DistributionOfHistogramScalesToMilliseconds) {
  LatencyHistogram h;
  for (int i = 1; i <= 1000; ++i) h.add(i * 100);  // 0.1 .. 100 ms
  const auto d = Distribution::of(h, 0.001);
  EXPECT_EQ(d.count, 1000u);
  EXPECT_DOUBLE_EQ(d.min, 0.1);
  EXPECT_DOUBLE_EQ(d.max, 100.0);
  EXPECT_NEAR(d.p50, 50.0, 0.5);
  EXPECT_NEAR(d.p90, 90.0, 0.9);
  EXPECT_NEAR(d.p99, 99.0, 0.99);
  EXPECT_NEAR(d.mean, 50.05, 1e-9);
  EXPECT_EQ(Distribution::of(LatencyHistogram(), 0.001).count, 0u);
}

TEST(LoadReportTest, DistributionOfValuesIsNearestRank) {
  const auto d = Distribution::ofValues({5, 1, 4, 2, 3});
  EXPECT_EQ(d.count, 5u);
  EXPECT_EQ(d.min, 1);
  EXPECT_EQ(d.p50, 3);
  EXPECT_EQ(d.p90, 5);
  EXPECT_EQ(d.p99, 5);
  EXPECT_EQ(d.max, 5);
  EXPECT_DOUBLE_EQ(d.mean, 3);
  const auto empty = Distribution::ofValues({});
  EXPECT_EQ(empty.count, 0u);
  EXPECT_EQ(empty.p99, 0);
}

TEST(LoadReportTest, DerivesServerFigures) {
  const LoadReport r = filledReport();
  ASSERT_TRUE(r.serverCpuUsPerVideoPacket);
  EXPECT_DOUBLE_EQ(*r.serverCpuUsPerVideoPacket, 6.0);  // 6 s / 1e6 packets
  ASSERT_TRUE(r.serverRssPerSubscriberBytes);
  EXPECT_DOUBLE_EQ(*r.serverRssPerSubscriberBytes, 64'000.0);  // 6.4 MB / 100
  EXPECT_NEAR(r.totalLossPercent(), 100.0 * 1000 / 1'201'000, 1e-12);
}

TEST(LoadReportTest, DeriveNeedsItsInputs) {
  LoadReport r;
  r.serverCpuSeconds = 3.0;    // but no video packets
  r.serverRssEndBytes = 1000;  // but no start
  r.subscribersConnected = 10;
  r.derive();
  EXPECT_FALSE(r.serverCpuUsPerVideoPacket);
  EXPECT_FALSE(r.serverRssPerSubscriberBytes);
  EXPECT_EQ(r.totalLossPercent(), 0.0);
  r.serverCpuUsPerVideoPacket = 1.5;  // set by the runner: kept
  r.videoPacketsReceived = 10;
  r.derive();
  EXPECT_EQ(r.serverCpuUsPerVideoPacket, 1.5);
}

TEST(LoadReportTest, KeepsOnlyTheFirstErrors) {
  LoadReport r;
  for (int i = 0; i < 20; ++i) r.addError("error " + std::to_string(i));
  ASSERT_EQ(r.errors.size(), LoadReport::kMaxErrors);
  EXPECT_EQ(r.errors.front(), "error 0");
  EXPECT_EQ(r.errors.back(), "error " + std::to_string(LoadReport::kMaxErrors - 1));
}

TEST(LoadReportTest, JsonParsesBackWithTheValues) {
  const LoadReport r = filledReport();
  std::string error;
  const auto parsed = Json::parse(r.json(), &error);
  ASSERT_TRUE(parsed) << error;
  const Json& j = *parsed;
  EXPECT_EQ(at(j, {"config", "url"}).asString(), "http://127.0.0.1:8080");
  EXPECT_EQ(at(j, {"config", "publishers"}).asInt(), 2);
  EXPECT_EQ(at(j, {"config", "subscribersPerPublisher"}).asInt(), 50);
  EXPECT_EQ(at(j, {"config", "totalSubscribers"}).asInt(), 100);
  EXPECT_EQ(at(j, {"config", "videoCodec"}).asString(), "VP8");
  EXPECT_TRUE(at(j, {"config", "simulcast"}).asBool());
  EXPECT_TRUE(at(j, {"config", "audio"}).asBool());
  EXPECT_DOUBLE_EQ(at(j, {"config", "durationSeconds"}).asDouble(), 30.0);
  EXPECT_EQ(at(j, {"join", "connectionsJoined"}).asInt(), 102);
  EXPECT_EQ(at(j, {"join", "connectionsFailed"}).asInt(), 1);
  EXPECT_EQ(at(j, {"join", "subscribersConnected"}).asInt(), 100);
  EXPECT_EQ(at(j, {"join", "subscribersFailed"}).asInt(), 2);
  EXPECT_EQ(at(j, {"join", "joinMs", "count"}).asInt(), 100);
  EXPECT_DOUBLE_EQ(at(j, {"join", "joinMs", "p50"}).asDouble(), r.joinMs.p50);
  EXPECT_DOUBLE_EQ(at(j, {"join", "joinMs", "max"}).asDouble(), 100.0);
  EXPECT_DOUBLE_EQ(at(j, {"join", "firstKeyframeMs", "p50"}).asDouble(), 100.0);
  ASSERT_EQ(at(j, {"join", "errors"}).size(), 1u);
  EXPECT_EQ(at(j, {"join", "errors"}).at(0).asString(), "subscriber 7: ICE failed");
  EXPECT_DOUBLE_EQ(at(j, {"media", "perSubscriber", "bitrateKbps", "p50"}).asDouble(), 1000.0);
  EXPECT_DOUBLE_EQ(at(j, {"media", "perSubscriber", "packetRate", "max"}).asDouble(), 101.0);
  EXPECT_DOUBLE_EQ(at(j, {"media", "perSubscriber", "lossPercent", "max"}).asDouble(), 0.5);
  EXPECT_DOUBLE_EQ(at(j, {"media", "perSubscriber", "jitterMs", "min"}).asDouble(), 1.25);
  EXPECT_EQ(at(j, {"media", "packetsReceived"}).asInt(), 1'200'000);
  EXPECT_EQ(at(j, {"media", "videoPacketsReceived"}).asInt(), 1'000'000);
  EXPECT_EQ(at(j, {"media", "packetsExpected"}).asInt(), 1'201'000);
  EXPECT_EQ(at(j, {"media", "packetsLost"}).asInt(), 1'000);
  EXPECT_NEAR(at(j, {"media", "lossPercent"}).asDouble(), 0.083, 1e-9);  // 0.0833 rounded
  EXPECT_EQ(at(j, {"latency", "packets"}).asInt(), 1000);
  EXPECT_EQ(at(j, {"latency", "negativePackets"}).asInt(), 0);
  EXPECT_DOUBLE_EQ(at(j, {"latency", "endToEndMs", "min"}).asDouble(), 0.4);
  EXPECT_EQ(at(j, {"publisher", "packetsSent"}).asInt(), 60'000);
  EXPECT_DOUBLE_EQ(at(j, {"publisher", "bitrateKbps"}).asDouble(), 2000.0);
  EXPECT_EQ(at(j, {"publisher", "keyframesSent"}).asInt(), 12);
  EXPECT_EQ(at(j, {"publisher", "plisReceived"}).asInt(), 3);
  EXPECT_EQ(at(j, {"publisher", "nacksReceived"}).asInt(), 4);
  EXPECT_EQ(at(j, {"publisher", "sendLateMs", "count"}).asInt(), 100);
  EXPECT_DOUBLE_EQ(at(j, {"publisher", "sendLateMs", "max"}).asDouble(), 2.5);
  EXPECT_EQ(at(j, {"server", "pid"}).asInt(), 4321);
  EXPECT_DOUBLE_EQ(at(j, {"server", "cpuPercent"}).asDouble(), 20.0);
  EXPECT_DOUBLE_EQ(at(j, {"server", "cpuSeconds"}).asDouble(), 6.0);
  EXPECT_EQ(at(j, {"server", "rssStartBytes"}).asInt(), 50'000'000);
  EXPECT_EQ(at(j, {"server", "rssEndBytes"}).asInt(), 56'400'000);
  EXPECT_EQ(at(j, {"server", "rssPeakBytes"}).asInt(), 57'000'000);
  EXPECT_DOUBLE_EQ(at(j, {"server", "rssPerSubscriberBytes"}).asDouble(), 64'000.0);
  EXPECT_DOUBLE_EQ(at(j, {"server", "cpuUsPerVideoPacket"}).asDouble(), 6.0);
  EXPECT_DOUBLE_EQ(at(j, {"loadTool", "cpuPercent"}).asDouble(), 75.5);
}

TEST(LoadReportTest, UnknownFiguresAreNullNotGarbage) {
  LoadReport r;
  r.derive();
  const auto parsed = Json::parse(r.json());
  ASSERT_TRUE(parsed);
  const Json& j = *parsed;
  for (auto key : {"pid", "cpuPercent", "cpuSeconds", "rssStartBytes", "rssEndBytes",
                   "rssPeakBytes", "rssPerSubscriberBytes", "cpuUsPerVideoPacket"})
    EXPECT_TRUE(at(j, {"server", key}).isNull()) << key;
  EXPECT_TRUE(at(j, {"loadTool", "cpuPercent"}).isNull());
  EXPECT_EQ(at(j, {"join", "joinMs", "count"}).asInt(), 0);
  for (auto key : {"min", "p50", "p90", "p99", "max", "mean"}) {
    EXPECT_TRUE(at(j, {"join", "joinMs", key}).isNull()) << key;
    EXPECT_TRUE(at(j, {"latency", "endToEndMs", key}).isNull()) << key;
  }
  EXPECT_DOUBLE_EQ(at(j, {"media", "lossPercent"}).asDouble(), 0.0);
  EXPECT_EQ(at(j, {"join", "errors"}).size(), 0u);
}

TEST(LoadReportTest, TableShowsTheFigures) {
  const std::string t = filledReport().table();
  EXPECT_NE(t.find("http://127.0.0.1:8080"), std::string::npos) << t;
  EXPECT_NE(t.find("2 publishers x 50 subscribers each = 100 subscribers, VP8 simulcast"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("join (ms)"), std::string::npos) << t;
  EXPECT_NE(t.find("bitrate (kbit/s)"), std::string::npos) << t;
  EXPECT_NE(t.find("1000.0"), std::string::npos) << t;  // the bitrate median
  EXPECT_NE(t.find("Server (pid 4321)"), std::string::npos) << t;
  EXPECT_NE(t.find("6.00 us"), std::string::npos) << t;    // CPU per video packet
  EXPECT_NE(t.find("62.50 KiB"), std::string::npos) << t;  // RSS per subscriber
  EXPECT_NE(t.find("75.50 %"), std::string::npos) << t;    // the load tool
  EXPECT_NE(t.find("subscriber 7: ICE failed"), std::string::npos) << t;
  EXPECT_EQ(t.find("nan"), std::string::npos) << t;
}

TEST(LoadReportTest, TableColumnsLineUp) {
  const std::string t = filledReport().table();
  // Each distribution block: the header and its rows are equally long.
  std::istringstream in(t);
  std::string line;
  std::size_t headerLength = 0;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.find("count") != std::string::npos && line.find("mean") != std::string::npos) {
      headerLength = line.size();
    } else if (line.find("(ms)") != std::string::npos ||
               line.find("kbit/s)") != std::string::npos ||
               line.find("packets/s") != std::string::npos ||
               line.find("(%)") != std::string::npos) {
      EXPECT_EQ(line.size(), headerLength) << line;
      ++rows;
    }
  }
  EXPECT_EQ(rows, 8);  // send late (ms) included
}

TEST(LoadReportTest, TableOfAnEmptyRunSaysWhatIsUnknown) {
  const std::string t = LoadReport().table();
  EXPECT_NE(t.find("Server: not measured"), std::string::npos) << t;
  EXPECT_NE(t.find("Load tool: - of one core"), std::string::npos) << t;
  EXPECT_EQ(t.find("nan"), std::string::npos) << t;
  EXPECT_EQ(t.find("Errors"), std::string::npos) << t;
}

}  // namespace
}  // namespace parley::load
