#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/HttpClient.h"

namespace parley::webhook {

// How receivers authenticate parleyd's webhooks, in the scheme of the Standard Webhooks
// specification (so its libraries verify them): three headers on every POST,
//   webhook-id         the event's id, the same on every attempt
//   webhook-timestamp  seconds since the epoch when this attempt was signed
//   webhook-signature  "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
// The key is the project's API secret, its characters taken as bytes. docs/operations.md
// shows how to verify.
class Signature {
 public:
  static constexpr std::string_view kIdHeader = "webhook-id";
  static constexpr std::string_view kTimestampHeader = "webhook-timestamp";
  static constexpr std::string_view kSignatureHeader = "webhook-signature";

  static std::string sign(std::string_view secret, std::string_view eventId,
                          std::int64_t timestampSeconds, std::string_view body);
  // The three headers; without a secret (the project is gone), id and timestamp only.
  static http::HttpClient::Headers headers(const std::optional<std::string>& secret,
                                           std::string_view eventId, std::int64_t timestampSeconds,
                                           std::string_view body);
};

}  // namespace parley::webhook
