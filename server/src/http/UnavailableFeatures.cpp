#include "http/UnavailableFeatures.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/Json.h"

namespace parley::http {

namespace {

struct Feature {
  const char* name;                                         // in the body's "feature"
  const char* description;                                  // what the caller reads
  std::vector<std::pair<const char*, const char*>> routes;  // method, path under the project
};

const std::vector<Feature>& features() {
  static const std::vector<Feature> kFeatures = {
      {"archives",
       "Archiving (recording) is not available on this server yet",
       {{"POST", "/archive"},
        {"GET", "/archive"},
        {"GET", "/archive/{id}"},
        {"DELETE", "/archive/{id}"},
        {"POST", "/archive/{id}/stop"},
        {"PATCH", "/archive/{id}/streams"},
        {"PUT", "/archive/{id}/layout"}}},
      {"broadcasts",
       "Live streaming broadcasts (HLS, RTMP) are not available on this server yet",
       {{"POST", "/broadcast"},
        {"GET", "/broadcast"},
        {"GET", "/broadcast/{id}"},
        {"POST", "/broadcast/{id}/stop"},
        {"PATCH", "/broadcast/{id}/streams"},
        {"PUT", "/broadcast/{id}/layout"}}},
      {"sip",
       "SIP interconnect (dial, DTMF) is not available on this server",
       {{"POST", "/dial"},
        {"POST", "/session/{sessionId}/play-dtmf"},
        {"POST", "/session/{sessionId}/connection/{connectionId}/play-dtmf"}}},
      {"captions",
       "Live captions are not available on this server",
       {{"POST", "/captions"}, {"POST", "/captions/{id}/stop"}}},
      {"render",
       "Experience Composer (render) is not available on this server",
       {{"POST", "/render"},
        {"GET", "/render"},
        {"GET", "/render/{id}"},
        {"DELETE", "/render/{id}"}}},
      {"audio-connector",
       "Audio Connector (WebSocket media out) is not available on this server",
       {{"POST", "/connect"}, {"POST", "/connect/{id}/stop"}}},
  };
  return kFeatures;
}

}  // namespace

void UnavailableFeatures::addRoutes(Router& router) {
  for (const Feature& feature : features()) {
    if (!archives_ && std::string_view(feature.name) == "archives") continue;
    if (!broadcasts_ && std::string_view(feature.name) == "broadcasts") continue;
    for (const auto& [method, path] : feature.routes) {
      router.add(method, std::string("/v2/project/{apiKey}") + path,
                 [this, &feature](const HttpRequest& r, const PathParams& p) {
                   auto outcome = auth_.authenticate(r, p.at("apiKey"));
                   if (outcome.failure) return *outcome.failure;
                   return HttpResponse::json(
                       501, core::Json::object({{"code", 501},
                                                {"message", "Not implemented"},
                                                {"description", feature.description},
                                                {"feature", feature.name}}));
                 });
    }
  }
}

}  // namespace parley::http
