#include "http/SdkFiles.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace parley::http {

namespace {
struct Bundle {
  const char* name;
  const char* contentType;
};
constexpr Bundle kBundles[] = {
    {"parley.js", "text/javascript; charset=utf-8"},
    {"parley.mjs", "text/javascript; charset=utf-8"},
    {"parley.js.map", "application/json; charset=utf-8"},
    {"parley.mjs.map", "application/json; charset=utf-8"},
    {"parley.d.ts", "text/plain; charset=utf-8"},
    // The broadcast viewer's HLS player (npm hls.js, copied by `make sdk`).
    {"hls.min.js", "text/javascript; charset=utf-8"},
};
}  // namespace

SdkFiles::SdkFiles(std::string dir) : dir_(std::move(dir)) {
  for (const Bundle& b : kBundles) {
    const std::filesystem::path path = std::filesystem::path(dir_) / b.name;
    std::ifstream in(path, std::ios::binary);
    if (!in) continue;
    std::ostringstream body;
    body << in.rdbuf();
    files_.emplace(b.name, File{body.str(), b.contentType});
  }
}

HttpResponse SdkFiles::get(std::string_view name) const {
  auto it = files_.find(name);
  if (it == files_.end()) {
    return HttpResponse::error(
        404, "Not found",
        files_.empty() ? "parley.js is not built: run `make sdk`" : "No such SDK file");
  }
  HttpResponse r = HttpResponse::text(200, it->second.body, it->second.contentType);
  r.setHeader("Cache-Control", "no-cache");
  return r;
}

}  // namespace parley::http
