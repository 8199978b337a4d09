#pragma once

#include <cstdint>
#include <string>

#include "core/Json.h"
#include "session/Connection.h"
#include "session/Stream.h"
#include "store/OpenSubject.h"

namespace parley::session {

// The JSON bodies of session-monitoring callbacks (docs/protocol.md §4.1). Common members first:
// sessionId, projectId (a string), event, [reason,] timestamp; then the subject.
class CallbackPayload {
 public:
  static core::Json connectionCreated(const Connection& connection, std::int64_t nowMs);
  static core::Json connectionDestroyed(const Connection& connection, const std::string& reason,
                                        std::int64_t nowMs);
  static core::Json streamCreated(const Stream& stream, const Connection& owner,
                                  std::int64_t nowMs);
  static core::Json streamDestroyed(const Stream& stream, const Connection& owner,
                                    const std::string& reason, std::int64_t nowMs);

  // {"id","connection":{…},"createdAt","name"[,"videoType"]}: no videoType for audio-only.
  static core::Json streamJson(const Stream& stream, const Connection& owner);

  // connectionDestroyed or streamDestroyed for a subject parleyd stopped without closing:
  // its object as recorded when it opened, `reason` as OpenTok receivers know them, and
  // `reasonDetail` saying what really happened (an additional member).
  static core::Json closedOut(const store::OpenSubject& subject, const std::string& reason,
                              const std::string& reasonDetail, std::int64_t nowMs);

 private:
  static core::Json common(const Connection& subject, const char* event, const std::string* reason,
                           std::int64_t nowMs);
};

}  // namespace parley::session
