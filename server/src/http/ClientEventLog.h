#pragma once

#include "http/HttpRequest.h"

namespace parley::http {

// Client analytics (docs/protocol.md §5.6) are accepted and dropped, except one kind: an issue
// report (OT.reportIssue in OpenTok.js and parley.js). Its id, session and connection go to the
// log, so an operator can find the moment a user reported. Rate-limited: any page may post.
class ClientEventLog {
 public:
  static constexpr std::size_t kMaxBodyBytes = 16 * 1024;
  // Logs the request's report, if it is one; returns whether it was.
  static bool record(const HttpRequest& request);
};

}  // namespace parley::http
