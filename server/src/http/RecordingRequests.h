#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "core/Json.h"
#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/RestAuthenticator.h"
#include "http/Router.h"
#include "session/RecordingStatus.h"

namespace parley::http {

// What the archive and the broadcast REST APIs (docs/protocol.md §3.4.2, §3.4.3) read and
// answer alike, so that the two keep taking the same requests.
class RecordingRequests {
 public:
  struct Paging {
    std::size_t offset = 0;
    std::size_t count = 50;
  };
  // PATCH …/streams: {"addStream" or "removeStream": id, "hasAudio"?, "hasVideo"?}.
  struct StreamChange {
    bool add = false;
    std::string streamId;
    bool hasAudio = true;
    bool hasVideo = true;
  };

  // `method` of `handler`, answered only for requests with the project's REST credentials.
  template <typename Handler>
  static RouteHandler authenticated(RestAuthenticator& auth, Handler* handler,
                                    HttpResponse (Handler::*method)(const HttpRequest&,
                                                                    const PathParams&)) {
    return [&auth, handler, method](const HttpRequest& r, const PathParams& p) {
      auto outcome = auth.authenticate(r, p.at("apiKey"));
      if (outcome.failure) return *outcome.failure;
      return (handler->*method)(r, p);
    };
  }
  // The body as a JSON object (an empty body is {}); nullopt when it is not one.
  static std::optional<core::Json> jsonBody(const HttpRequest& r);
  // The 400 for a body that is not a JSON object.
  static HttpResponse badBody();
  // A list's offset and count from the query into `out`; else the 400 to answer.
  static std::optional<HttpResponse> readPaging(const HttpRequest& r, Paging& out);
  // The stream change a PATCH …/streams asks for into `out`; else the 400 to answer.
  static std::optional<HttpResponse> readStreamChange(const HttpRequest& r, StreamChange& out);
  // A manager's refusal as the REST API answers it.
  static HttpResponse failure(session::RecordingStatus status, const std::string& message);
};

}  // namespace parley::http
