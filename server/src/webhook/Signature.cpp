#include "webhook/Signature.h"

#include "core/Base64.h"
#include "core/Crypto.h"

namespace parley::webhook {

std::string Signature::sign(std::string_view secret, std::string_view eventId,
                            std::int64_t timestampSeconds, std::string_view body) {
  std::string signedContent;
  signedContent.reserve(eventId.size() + body.size() + 24);
  signedContent.append(eventId);
  signedContent.push_back('.');
  signedContent += std::to_string(timestampSeconds);
  signedContent.push_back('.');
  signedContent.append(body);
  return "v1," + core::Base64::encode(core::Crypto::hmacSha256(secret, signedContent));
}

http::HttpClient::Headers Signature::headers(const std::optional<std::string>& secret,
                                             std::string_view eventId,
                                             std::int64_t timestampSeconds, std::string_view body) {
  http::HttpClient::Headers out{{std::string(kIdHeader), std::string(eventId)},
                                {std::string(kTimestampHeader), std::to_string(timestampSeconds)}};
  if (secret)
    out.emplace_back(std::string(kSignatureHeader), sign(*secret, eventId, timestampSeconds, body));
  return out;
}

}  // namespace parley::webhook
