#include "signaling/RaptorMessage.h"

#include <utility>
#include <vector>

namespace parley::signaling {
namespace {

using Params = std::map<std::string, std::string, std::less<>>;

constexpr std::size_t kMaxUriBytes = 2048;
constexpr std::size_t kMaxMethodBytes = 64;
constexpr std::string_view kUriPrefix = "/v2/";

bool isLetter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isHexDigit(char c) {
  return isDigit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

// Names (partner, stream, channel, …) are plain words. No '_': a client must not be able to
// spell a derived resource such as "stream_channel" or "subscriber_channel" itself.
bool validName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!isLetter(c) && !isDigit(c)) return false;
  return true;
}

// Values are ids: API keys (digits or UUIDs), session ids (base64url behind "1_"), UUIDs,
// channel names. Everything else is refused because values travel on: into other clients'
// URIs, JSON, logs and (archives) file names. That rules out '/', '\\', quotes, '<>', spaces,
// control and non-ASCII bytes, and '?', '#', '&' that would change the meaning of a URL.
// '%' is kept for percent-escaped ids but only as a complete %XX triple, and we never
// decode it. Segments made only of dots are refused so no id can become "." or "..".
bool validValue(std::string_view s) {
  if (s.empty() || s.find_first_not_of('.') == std::string_view::npos) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (isLetter(c) || isDigit(c)) continue;
    switch (c) {
      case '-':
      case '_':
      case '.':
      case '~':
      case ':':
      case '@':
      case '+':
      case '=':
        continue;
      case '%':
        if (i + 2 < s.size() && isHexDigit(s[i + 1]) && isHexDigit(s[i + 2])) {
          i += 2;
          continue;
        }
        return false;
      default:
        return false;
    }
  }
  return true;
}

// Methods are dispatched on and may be echoed in logs: short words only.
bool validMethod(std::string_view s) {
  if (s.empty() || s.size() > kMaxMethodBytes) return false;
  for (char c : s)
    if (!isLetter(c) && !isDigit(c) && c != '_' && c != '-') return false;
  return true;
}

bool fail(std::string* why, const char* reason) {
  if (why) *why = reason;
  return false;
}

// The §7.1 decomposition. Error texts never quote the input: they end up in logs.
bool splitUri(std::string_view uri, Params& params, std::string& resource, std::string* why) {
  if (uri.size() > kMaxUriBytes) return fail(why, "uri longer than 2048 bytes");
  if (!uri.starts_with(kUriPrefix)) return fail(why, "uri does not start with /v2/");

  std::vector<std::string_view> segments;
  std::string_view rest = uri.substr(kUriPrefix.size());
  for (;;) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    // Also catches "//" and a trailing "/", which the client never produces.
    if (segment.empty()) return fail(why, "empty uri segment");
    segments.push_back(segment);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }

  const std::size_t pairCount = segments.size() / 2;
  if (pairCount < 2 || segments[0] != "partner" || segments[2] != "session")
    return fail(why, "uri does not begin with partner/{key}/session/{id}");

  Params found;
  // Pair index of each name, to tell where a channel sits.
  const auto indexOf = [&](std::string_view name) {
    for (std::size_t i = 0; i < pairCount; ++i)
      if (segments[2 * i] == name) return i;
    return pairCount;
  };
  for (std::size_t i = 0; i < pairCount; ++i) {
    const std::string_view name = segments[2 * i];
    const std::string_view value = segments[2 * i + 1];
    if (!validName(name)) return fail(why, "invalid name in uri");
    if (!validValue(value)) return fail(why, "invalid value in uri");
    // A repeat would let a later pair overwrite an earlier one, e.g. a second "session".
    if (!found.emplace(name, value).second) return fail(why, "repeated name in uri");
  }

  std::string derived;
  if (segments.size() % 2 == 1) {
    const std::string_view tail = segments.back();
    if (!validName(tail)) return fail(why, "invalid name in uri");
    if (found.contains(tail)) return fail(why, "repeated name in uri");
    derived = tail;
  } else {
    const std::size_t last = pairCount - 1;
    derived = segments[2 * last];
    if (derived == "channel") {
      const std::size_t stream = indexOf("stream");
      const std::size_t subscriber = indexOf("subscriber");
      if (stream < last) {
        derived =
            (stream < subscriber && subscriber < last) ? "subscriber_channel" : "stream_channel";
      }
    }
  }

  params = std::move(found);
  resource = std::move(derived);
  return true;
}

std::optional<RaptorMessage> failMessage(std::string* error, std::string reason) {
  if (error) *error = std::move(reason);
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> RaptorMessage::param(std::string_view name) const {
  const auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return std::string_view(it->second);
}

bool RaptorMessage::parseUri(std::string_view uri, Params& params, std::string& resource) {
  return splitUri(uri, params, resource, nullptr);
}

std::optional<RaptorMessage> RaptorMessage::parse(std::string_view json, std::string* error) {
  std::string jsonError;
  auto root = core::Json::parse(json, &jsonError);
  if (!root) return failMessage(error, "invalid JSON: " + jsonError);
  if (!root->isObject()) return failMessage(error, "envelope is not a JSON object");

  RaptorMessage message;
  auto method = root->getString("method");
  if (!method) return failMessage(error, "method missing or not a string");
  if (!validMethod(*method)) return failMessage(error, "invalid method");
  message.method = std::move(*method);

  auto uri = root->getString("uri");
  if (!uri) return failMessage(error, "uri missing or not a string");
  std::string uriError;
  if (!splitUri(*uri, message.params, message.resource, &uriError))
    return failMessage(error, "invalid uri: " + uriError);
  message.uri = std::move(*uri);

  if (core::Json* content = root->find("content")) {
    // null included: the client destructures content, so nothing but an object is sound.
    if (!content->isObject()) return failMessage(error, "content is not an object");
    message.content = std::move(*content);
  }

  if (const core::Json* reason = root->find("reason")) {
    if (!reason->isString()) return failMessage(error, "reason is not a string");
    message.reason = reason->asString();
  }
  return message;
}

std::string RaptorMessage::serialize() const {
  // Written member by member so the (possibly large) content is not copied into a temporary.
  std::string out = "{\"method\":";
  core::Json::appendQuoted(out, method);
  out += ",\"uri\":";
  core::Json::appendQuoted(out, uri);
  out += ",\"content\":";
  content.dumpTo(out);
  if (reason) {
    out += ",\"reason\":";
    core::Json::appendQuoted(out, *reason);
  }
  out += '}';
  return out;
}

}  // namespace parley::signaling
