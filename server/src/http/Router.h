#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/HttpRequest.h"
#include "http/HttpResponse.h"

namespace parley::http {

// Path parameters captured by `{name}` segments, percent-decoded.
using PathParams = std::map<std::string, std::string, std::less<>>;
using RouteHandler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;

// Matches method + path against patterns made of literal and `{param}` segments.
class Router {
 public:
  // Whether pages of other origins may read a route's responses (CORS). Routes answer
  // any origin unless they hand out something a foreign page must not get.
  enum class Cors { AnyOrigin, SameOrigin };

  void add(std::string_view method, std::string_view pattern, RouteHandler handler,
           Cors cors = Cors::AnyOrigin);

  struct Match {
    const RouteHandler* handler = nullptr;  // null → no route
    PathParams params;
    bool pathKnown = false;  // some route has this path under another method (→ 405)
    std::vector<std::string> allowedMethods;
    // The matched route's policy. Without a match (a preflight, a 405), SameOrigin when
    // any route for this path is: a preflight gets the policy of what it announces.
    Cors cors = Cors::AnyOrigin;
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    RouteHandler handler;
    Cors cors = Cors::AnyOrigin;
  };
  std::vector<Route> routes_;
};

}  // namespace parley::http
