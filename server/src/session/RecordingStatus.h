#pragma once

namespace parley::session {

// How a request to the archive or the broadcast manager went; the REST API's status for each
// (docs/protocol.md §3.4.2, §3.4.3).
enum class RecordingStatus {
  Ok,
  NotFound,         // 404: no such archive or broadcast in the project
  SessionNotFound,  // 404
  Conflict,         // 409
  Invalid,          // 400
  NotAllowed,       // 405: stream changes of an auto archive or broadcast
  Unavailable,      // 500: the server cannot record or compose it
};

}  // namespace parley::session
