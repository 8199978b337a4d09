#pragma once

// What the media tests and fuzzers share (the fuzzers include it by relative path).

#include <cstdint>
#include <string>

#include "media/WorkerEvents.h"
#include "media/sdp/Codec.h"

namespace parley::media::testsupport {

// A worker's upward news, ignored.
struct NoEvents final : WorkerEvents {
  void publicationConnected(const std::string&, const std::string&) override {}
  void publicationClosed(const std::string&, const std::string&, const std::string&) override {}
  void subscriptionConnected(const std::string&, const std::string&) override {}
  void subscriptionClosed(const std::string&, const std::string&, const std::string&) override {}
};

inline sdp::Codec codec(std::uint8_t payloadType, const char* name, std::uint32_t clockRate) {
  sdp::Codec c;
  c.payloadType = payloadType;
  c.name = name;
  c.clockRate = clockRate;
  return c;
}

}  // namespace parley::media::testsupport
