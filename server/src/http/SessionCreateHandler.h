#pragma once

#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/RestAuthenticator.h"
#include "session/SessionCatalog.h"

namespace parley::http {

// POST /session/create (docs/protocol.md §3.4.1): a form body in, a JSON array (Accept:
// application/json) or the XML document the Ruby SDK parses out.
class SessionCreateHandler {
 public:
  SessionCreateHandler(RestAuthenticator& auth, session::SessionCatalog& catalog)
      : auth_(auth), catalog_(catalog) {}
  HttpResponse handle(const HttpRequest& request);

  // "Wed Nov 25 06:40:00 UTC 2026", the create_dt format of the original service.
  static std::string formatCreateDate(std::int64_t epochMs);

 private:
  RestAuthenticator& auth_;
  session::SessionCatalog& catalog_;
};

}  // namespace parley::http
