#include "session/SessionCatalog.h"

#include <arpa/inet.h>

#include <array>

#include "core/Clock.h"
#include "core/SessionId.h"
#include "store/StoreError.h"

namespace parley::session {

namespace {

using core::Error;
using core::Result;
using core::SessionProperties;

Result<SessionProperties> invalid(std::string message) {
  return Result<SessionProperties>::fail(Error::Code::Invalid, std::move(message));
}

bool isIpv4(const std::string& s) {
  in_addr addr{};
  return inet_pton(AF_INET, s.c_str(), &addr) == 1;
}

constexpr std::array<std::string_view, 6> kArchiveResolutions = {
    "640x480", "480x640", "1280x720", "720x1280", "1920x1080", "1080x1920"};

}  // namespace

Result<SessionProperties> SessionCatalog::parseCreateOptions(const FieldLookup& lookup) {
  auto field = [&](std::string_view name) -> std::optional<std::string> {
    auto v = lookup(name);
    if (!v || v->empty() || *v == "null") return std::nullopt;
    return v;
  };
  SessionProperties p;
  if (auto pref = field("p2p.preference")) {
    if (*pref == "disabled" || *pref == "routed")
      p.mediaMode = core::MediaMode::Routed;
    else
      p.mediaMode = core::MediaMode::Relayed;  // "enabled" and anything unrecognised
  }
  if (auto mode = field("archiveMode")) {
    auto parsed = core::parseArchiveMode(*mode);
    if (!parsed) return invalid("archiveMode must be \"manual\" or \"always\"");
    p.archiveMode = *parsed;
  }
  if (auto location = field("location")) {
    if (!isIpv4(*location)) return invalid("location must be an IPv4 address");
    p.location = *location;
  }
  if (auto e2ee = field("e2ee")) {
    if (*e2ee == "true")
      p.e2ee = true;
    else if (*e2ee == "false")
      p.e2ee = false;
    else
      return invalid("e2ee must be \"true\" or \"false\"");
  }
  if (auto name = field("archiveName")) {
    if (name->size() > 80) return invalid("archiveName is longer than 80 characters");
    p.archiveName = *name;
  }
  if (auto resolution = field("archiveResolution")) {
    bool known = false;
    for (auto r : kArchiveResolutions) known = known || r == *resolution;
    if (!known)
      return invalid(
          "archiveResolution must be one of 640x480, 1280x720, 1920x1080 or a portrait variant");
    p.archiveResolution = *resolution;
  }
  // Parley's own option (no official SDK sends it): the codec this session's publishers are
  // asked to prefer, instead of the project's.
  if (auto codec = field("videoCodec")) {
    auto parsed = core::parseVideoCodec(*codec);
    if (!parsed) return invalid("videoCodec must be \"vp8\", \"vp9\" or \"h264\"");
    p.videoCodec = *parsed;
  }
  if (p.archiveMode == core::ArchiveMode::Always && p.mediaMode != core::MediaMode::Routed)
    return invalid("archiveMode \"always\" requires a routed session (p2p.preference=disabled)");
  if (p.archiveMode != core::ArchiveMode::Always &&
      (!p.archiveName.empty() || !p.archiveResolution.empty()))
    return invalid("archiveName and archiveResolution apply only with archiveMode \"always\"");
  if (p.e2ee && p.mediaMode != core::MediaMode::Routed)
    return invalid("end-to-end encryption requires a routed session (p2p.preference=disabled)");
  return p;
}

store::SessionRecord SessionCatalog::create(std::string_view apiKey,
                                            const SessionProperties& properties) {
  store::SessionRecord record;
  record.apiKey = apiKey;
  record.properties = properties;
  // The project's preference is copied in: a session keeps the codec it started with.
  if (record.properties.videoCodec.empty())
    if (auto project = store_.findProject(apiKey))
      record.properties.videoCodec = project->videoCodec;
  record.createdAtMs = core::Clock::nowMs();
  // 144 random bits make a collision practically impossible; retry anyway rather than fail.
  for (int attempt = 0;; ++attempt) {
    record.sessionId = core::SessionId::generate(apiKey, properties.location, record.createdAtMs,
                                                 properties.mediaMode == core::MediaMode::Relayed);
    if (attempt < 3 && store_.findSession(record.sessionId)) continue;
    store_.insertSession(record);
    return record;
  }
}

}  // namespace parley::session
