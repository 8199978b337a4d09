#include "load/LoadReport.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "load/LatencyHistogram.h"

namespace parley::load {

using core::Json;

Distribution Distribution::of(const LatencyHistogram& h, double scale) {
  Distribution d;
  d.count = h.count();
  if (d.count == 0) return d;
  d.min = static_cast<double>(h.min()) * scale;
  d.p50 = static_cast<double>(h.percentile(50)) * scale;
  d.p90 = static_cast<double>(h.percentile(90)) * scale;
  d.p99 = static_cast<double>(h.percentile(99)) * scale;
  d.max = static_cast<double>(h.max()) * scale;
  d.mean = h.mean() * scale;
  return d;
}

Distribution Distribution::ofValues(std::vector<double> values) {
  Distribution d;
  d.count = values.size();
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  const auto rank = [&](double q) {
    const auto r =
        static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()) / 100));
    return values[std::clamp<std::size_t>(r, 1, values.size()) - 1];
  };
  d.min = values.front();
  d.p50 = rank(50);
  d.p90 = rank(90);
  d.p99 = rank(99);
  d.max = values.back();
  double sum = 0;
  for (double v : values) sum += v;
  d.mean = sum / static_cast<double>(values.size());
  return d;
}

void LoadReport::addError(std::string message) {
  if (errors.size() < kMaxErrors) errors.push_back(std::move(message));
}

double LoadReport::totalLossPercent() const {
  if (packetsExpected == 0) return 0;
  return 100.0 * static_cast<double>(packetsLost) / static_cast<double>(packetsExpected);
}

void LoadReport::derive() {
  if (!serverRssPerSubscriberBytes && serverRssStartBytes && serverRssEndBytes &&
      subscribersConnected > 0)
    serverRssPerSubscriberBytes =
        (static_cast<double>(*serverRssEndBytes) - static_cast<double>(*serverRssStartBytes)) /
        static_cast<double>(subscribersConnected);
  if (!serverCpuUsPerVideoPacket && serverCpuSeconds && videoPacketsReceived > 0)
    serverCpuUsPerVideoPacket = *serverCpuSeconds * 1e6 / static_cast<double>(videoPacketsReceived);
}

// ---- JSON ----

namespace {

// Three decimals are plenty for every figure here and keep the JSON readable.
Json number(double v) {
  return Json(std::round(v * 1000.0) / 1000.0);
}

Json count(std::uint64_t v) {
  return Json(static_cast<long long>(v));
}

template <typename T>
Json optional(const std::optional<T>& v) {
  if (!v) return Json();
  if constexpr (std::is_floating_point_v<T>)
    return number(*v);
  else
    return Json(static_cast<long long>(*v));
}

Json distribution(const Distribution& d) {
  const bool any = d.count > 0;
  return Json::object({{"count", count(d.count)},
                       {"min", any ? number(d.min) : Json()},
                       {"p50", any ? number(d.p50) : Json()},
                       {"p90", any ? number(d.p90) : Json()},
                       {"p99", any ? number(d.p99) : Json()},
                       {"max", any ? number(d.max) : Json()},
                       {"mean", any ? number(d.mean) : Json()}});
}

}  // namespace

Json LoadReport::toJson() const {
  Json errorList = Json::array();
  for (const auto& e : errors) errorList.push(e);
  return Json::object({
      {"config", Json::object({{"url", url},
                               {"publishers", publishers},
                               {"subscribersPerPublisher", subscribersPerPublisher},
                               {"totalSubscribers", totalSubscribers},
                               {"videoCodec", videoCodec},
                               {"simulcast", simulcast},
                               {"audio", audio},
                               {"pacing", number(pacing)},
                               {"durationSeconds", number(durationSeconds)}})},
      {"join", Json::object({{"connectionsJoined", count(connectionsJoined)},
                             {"connectionsFailed", count(connectionsFailed)},
                             {"subscribersConnected", count(subscribersConnected)},
                             {"subscribersFailed", count(subscribersFailed)},
                             {"joinMs", distribution(joinMs)},
                             {"firstKeyframeMs", distribution(firstKeyframeMs)},
                             {"errors", errorList}})},
      {"media",
       Json::object({{"perSubscriber", Json::object({{"bitrateKbps", distribution(bitrateKbps)},
                                                     {"packetRate", distribution(packetRate)},
                                                     {"lossPercent", distribution(lossPercent)},
                                                     {"jitterMs", distribution(jitterMs)}})},
                     {"packetsReceived", count(packetsReceived)},
                     {"videoPacketsReceived", count(videoPacketsReceived)},
                     {"packetsExpected", count(packetsExpected)},
                     {"packetsLost", count(packetsLost)},
                     {"lossPercent", number(totalLossPercent())}})},
      {"latency", Json::object({{"endToEndMs", distribution(latencyMs)},
                                {"packets", count(latencyPackets)},
                                {"negativePackets", count(latencyNegativePackets)}})},
      {"publisher", Json::object({{"packetsSent", count(packetsSent)},
                                  {"bitrateKbps", number(publisherBitrateKbps)},
                                  {"keyframesSent", count(keyframesSent)},
                                  {"plisReceived", count(plisReceived)},
                                  {"nacksReceived", count(nacksReceived)},
                                  {"sendLateMs", distribution(sendLateMs)}})},
      {"server", Json::object({{"pid", optional(serverPid)},
                               {"cpuPercent", optional(serverCpuPercent)},
                               {"cpuSeconds", optional(serverCpuSeconds)},
                               {"rssStartBytes", optional(serverRssStartBytes)},
                               {"rssEndBytes", optional(serverRssEndBytes)},
                               {"rssPeakBytes", optional(serverRssPeakBytes)},
                               {"rssPerSubscriberBytes", optional(serverRssPerSubscriberBytes)},
                               {"cpuUsPerVideoPacket", optional(serverCpuUsPerVideoPacket)}})},
      {"loadTool", Json::object({{"cpuPercent", optional(loadCpuPercent)}})},
  });
}

// ---- Table ----

namespace {

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  const int n = std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return std::string(
      buf, n < 0 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

// Fewer decimals as values grow, so columns stay narrow: 0.012, 3.45, 123.4, 12345.
std::string figure(double v) {
  const double a = std::fabs(v);
  if (a == 0) return "0";
  if (a < 1) return format("%.3f", v);
  if (a < 100) return format("%.2f", v);
  if (a < 10000) return format("%.1f", v);
  return format("%.0f", v);
}

std::string bytes(double b) {
  const double a = std::fabs(b);
  if (a >= 1024.0 * 1024.0 * 1024.0) return figure(b / (1024.0 * 1024.0 * 1024.0)) + " GiB";
  if (a >= 1024.0 * 1024.0) return figure(b / (1024.0 * 1024.0)) + " MiB";
  if (a >= 1024.0) return figure(b / 1024.0) + " KiB";
  return figure(b) + " B";
}

constexpr const char* kColumns = "%-24s %8s %9s %9s %9s %9s %9s %9s\n";

std::string header(const char* title) {
  return format(kColumns, title, "count", "min", "p50", "p90", "p99", "max", "mean");
}

std::string row(const char* label, const Distribution& d) {
  if (d.count == 0) return format(kColumns, label, "0", "-", "-", "-", "-", "-", "-");
  return format(kColumns, label, std::to_string(d.count).c_str(), figure(d.min).c_str(),
                figure(d.p50).c_str(), figure(d.p90).c_str(), figure(d.p99).c_str(),
                figure(d.max).c_str(), figure(d.mean).c_str());
}

}  // namespace

std::string LoadReport::table() const {
  std::string out;
  out += format("parley load: %s\n", url.c_str());
  out += format(
      "  %d publisher%s x %d subscriber%s each = %d subscribers, %s%s, audio %s, %s s, "
      "pacing %s\n",
      publishers, publishers == 1 ? "" : "s", subscribersPerPublisher,
      subscribersPerPublisher == 1 ? "" : "s", totalSubscribers, videoCodec.c_str(),
      simulcast ? " simulcast" : "", audio ? "on" : "off", figure(durationSeconds).c_str(),
      pacing > 0 ? (figure(pacing) + "x").c_str() : "off");
  out += "\n";

  out += header("Joining");
  out += row("  join (ms)", joinMs);
  out += row("  first keyframe (ms)", firstKeyframeMs);
  out += format("  connections %llu joined, %llu failed; subscribers %llu connected, %llu failed\n",
                static_cast<unsigned long long>(connectionsJoined),
                static_cast<unsigned long long>(connectionsFailed),
                static_cast<unsigned long long>(subscribersConnected),
                static_cast<unsigned long long>(subscribersFailed));
  out += "\n";

  out += header("Per subscriber");
  out += row("  bitrate (kbit/s)", bitrateKbps);
  out += row("  packets/s", packetRate);
  out += row("  loss (%)", lossPercent);
  out += row("  jitter (ms)", jitterMs);
  out += format("  packets %llu received (%llu video), %llu expected, %llu lost (%s %%)\n",
                static_cast<unsigned long long>(packetsReceived),
                static_cast<unsigned long long>(videoPacketsReceived),
                static_cast<unsigned long long>(packetsExpected),
                static_cast<unsigned long long>(packetsLost), figure(totalLossPercent()).c_str());
  out += "\n";

  out += header("End-to-end latency");
  out += row("  per packet (ms)", latencyMs);
  out += format("  %llu packets carried abs-capture-time, %llu arrived before their send time\n",
                static_cast<unsigned long long>(latencyPackets),
                static_cast<unsigned long long>(latencyNegativePackets));
  out += "\n";

  out += format(
      "Publishers: %llu packets sent, %s kbit/s, %llu keyframes, %llu PLIs and %llu "
      "NACKs received\n",
      static_cast<unsigned long long>(packetsSent), figure(publisherBitrateKbps).c_str(),
      static_cast<unsigned long long>(keyframesSent), static_cast<unsigned long long>(plisReceived),
      static_cast<unsigned long long>(nacksReceived));
  out += row("  send late (ms)", sendLateMs);

  const auto opt = [](const std::optional<double>& v, const char* unit) {
    return v ? figure(*v) + unit : std::string("-");
  };
  const auto optBytes = [](const std::optional<std::uint64_t>& v) {
    return v ? bytes(static_cast<double>(*v)) : std::string("-");
  };
  if (serverPid) {
    out += format("Server (pid %d):\n", *serverPid);
    out += format("  %-22s %s of one core (%s)\n", "CPU", opt(serverCpuPercent, " %").c_str(),
                  opt(serverCpuSeconds, " s").c_str());
    out += format("  %-22s %s at start, %s at end, %s peak\n", "RSS",
                  optBytes(serverRssStartBytes).c_str(), optBytes(serverRssEndBytes).c_str(),
                  optBytes(serverRssPeakBytes).c_str());
    out += format("  %-22s %s\n", "RSS per subscriber",
                  serverRssPerSubscriberBytes ? bytes(*serverRssPerSubscriberBytes).c_str() : "-");
    out += format("  %-22s %s\n", "CPU per video packet",
                  opt(serverCpuUsPerVideoPacket, " us").c_str());
  } else {
    out += "Server: not measured (its pid is unknown)\n";
  }
  out += format("Load tool: %s of one core\n", opt(loadCpuPercent, " %").c_str());

  if (!errors.empty()) {
    out += format("\nErrors (first %zu):\n", errors.size());
    for (const auto& e : errors) out += "  " + e + "\n";
  }
  return out;
}

}  // namespace parley::load
