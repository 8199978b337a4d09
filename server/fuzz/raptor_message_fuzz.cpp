// RaptorMessage::parse on arbitrary text, plus parseUri on the raw input. An accepted message
// must survive serialize → parse unchanged; an accepted URI must hold only the conservative
// character set and be decomposed the same way inside an envelope.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "signaling/RaptorMessage.h"

namespace {

using parley::signaling::RaptorMessage;

bool sameMessage(const RaptorMessage& a, const RaptorMessage& b) {
  return a.method == b.method && a.uri == b.uri && a.content == b.content && a.reason == b.reason &&
         a.params == b.params && a.resource == b.resource;
}

bool safeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-_.~:@+=%").find(c) != std::string_view::npos;
}

void checkUri(std::string_view input) {
  std::map<std::string, std::string, std::less<>> params;
  std::string resource;
  if (!RaptorMessage::parseUri(input, params, resource)) return;
  if (resource.empty() || !params.contains("partner") || !params.contains("session"))
    __builtin_trap();
  for (const auto& [name, value] : params) {
    for (char c : name)
      if (!safeChar(c) || c == '%') __builtin_trap();
    for (char c : value)
      if (!safeChar(c)) __builtin_trap();
    if (value.find_first_not_of('.') == std::string::npos) __builtin_trap();
  }
  RaptorMessage wrapped;
  wrapped.method = "update";
  wrapped.uri = std::string(input);
  const auto parsed = RaptorMessage::parse(wrapped.serialize());
  if (!parsed || parsed->params != params || parsed->resource != resource) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  checkUri(input);

  std::string error;
  const auto message = RaptorMessage::parse(input, &error);
  if (!message) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  checkUri(message->uri);
  const std::string text = message->serialize();
  const auto again = RaptorMessage::parse(text);
  if (!again || !sameMessage(*again, *message) || again->serialize() != text) __builtin_trap();
  return 0;
}
