#include "session/CallbackPayload.h"

namespace parley::session {

core::Json CallbackPayload::common(const Connection& subject, const char* event,
                                   const std::string* reason, std::int64_t nowMs) {
  core::Json out = core::Json::object(
      {{"sessionId", subject.sessionId}, {"projectId", subject.apiKey}, {"event", event}});
  if (reason) out.set("reason", *reason);
  out.set("timestamp", static_cast<long long>(nowMs));
  return out;
}

core::Json CallbackPayload::connectionCreated(const Connection& connection, std::int64_t nowMs) {
  core::Json out = common(connection, "connectionCreated", nullptr, nowMs);
  out.set("connection", connection.toWebhookJson());
  return out;
}

core::Json CallbackPayload::connectionDestroyed(const Connection& connection,
                                                const std::string& reason, std::int64_t nowMs) {
  core::Json out = common(connection, "connectionDestroyed", &reason, nowMs);
  out.set("connection", connection.toWebhookJson());
  return out;
}

core::Json CallbackPayload::streamCreated(const Stream& stream, const Connection& owner,
                                          std::int64_t nowMs) {
  core::Json out = common(owner, "streamCreated", nullptr, nowMs);
  out.set("stream", streamJson(stream, owner));
  return out;
}

core::Json CallbackPayload::streamDestroyed(const Stream& stream, const Connection& owner,
                                            const std::string& reason, std::int64_t nowMs) {
  core::Json out = common(owner, "streamDestroyed", &reason, nowMs);
  out.set("stream", streamJson(stream, owner));
  return out;
}

core::Json CallbackPayload::streamJson(const Stream& stream, const Connection& owner) {
  core::Json out = core::Json::object({{"id", stream.id},
                                       {"connection", owner.toWebhookJson()},
                                       {"createdAt", static_cast<long long>(stream.creationTime)},
                                       {"name", stream.name}});
  if (auto type = stream.videoType()) out.set("videoType", *type);
  return out;
}

core::Json CallbackPayload::closedOut(const store::OpenSubject& subject, const std::string& reason,
                                      const std::string& reasonDetail, std::int64_t nowMs) {
  const bool connection = subject.kind == "connection";
  core::Json out =
      core::Json::object({{"sessionId", subject.sessionId},
                          {"projectId", subject.apiKey},
                          {"event", connection ? "connectionDestroyed" : "streamDestroyed"},
                          {"reason", reason},
                          {"reasonDetail", reasonDetail},
                          {"timestamp", static_cast<long long>(nowMs)}});
  // Written by this code from a Json when the subject opened; an edited row still gives a
  // payload, with an empty object.
  auto recorded = core::Json::parse(subject.json);
  out.set(connection ? "connection" : "stream",
          recorded && recorded->isObject() ? std::move(*recorded) : core::Json::object());
  return out;
}

}  // namespace parley::session
