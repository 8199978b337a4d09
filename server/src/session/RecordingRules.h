#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/Json.h"
#include "session/RecordingStatus.h"
#include "store/Store.h"

namespace parley::session {

// The rules archives and broadcasts share (docs/protocol.md §3.4.2, §3.4.3): which sessions
// can be recorded, which tags may run side by side, and the manual mode's stream list.
class RecordingRules {
 public:
  struct Refusal {
    RecordingStatus status = RecordingStatus::Ok;
    std::string message;
  };
  // Why the project `apiKey` cannot record `sessionId`: not its session, relayed, or end-to-end
  // encrypted (its media is ciphertext to the server). `participle`: "archived", "broadcast".
  static std::optional<Refusal> sessionRefusal(store::Store& store, const std::string& apiKey,
                                               const std::string& sessionId,
                                               std::string_view participle);
  // A new recording tagged `asked` may run beside one tagged `running` only when both tags are
  // set and differ.
  static bool tagsClash(const std::string& asked, const std::string& running);
  // Manual mode's list of {streamId, hasAudio, hasVideo}: false when the stream is already in.
  static bool addStream(core::Json& streams, const std::string& streamId, bool hasAudio,
                        bool hasVideo);
  // False when the stream is not in the list.
  static bool removeStream(core::Json& streams, const std::string& streamId);
};

}  // namespace parley::session
