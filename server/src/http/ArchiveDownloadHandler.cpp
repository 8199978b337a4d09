#include "http/ArchiveDownloadHandler.h"

#include <utility>

#include "core/Clock.h"
#include "core/FormData.h"
#include "core/UrlSignature.h"
#include "http/ByteRange.h"
#include "http/OpenFile.h"
#include "obs/Logger.h"

namespace parley::http {

namespace {

HttpResponse forbidden(std::string_view why) {
  return HttpResponse::error(403, "Forbidden", why);
}

HttpResponse notFound() {
  return HttpResponse::error(404, "Not found", "No such archive or archive not available");
}

// Archive ids name files: nothing that could leave the archives directory or hide.
bool safeFileStem(const std::string& id) {
  if (id.empty() || id.size() > 128 || id.front() == '.') return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
          c == '_' || c == '.'))
      return false;
  return true;
}

void addDownloadHeaders(HttpResponse& r) {
  r.setHeader("Accept-Ranges", "bytes");
  r.setHeader("Cache-Control", "private, no-store");
  // Web players reading a range need these, which CORS hides by default.
  r.setHeader("Access-Control-Expose-Headers",
              "Content-Range, Content-Disposition, Accept-Ranges, ETag");
}

}  // namespace

ArchiveDownloadHandler::ArchiveDownloadHandler(store::Store& store, std::string archivesDir,
                                               std::string signingKey, NowSeconds nowUnixS)
    : store_(store),
      archivesDir_(std::move(archivesDir)),
      signingKey_(std::move(signingKey)),
      now_(std::move(nowUnixS)) {
  if (!now_) now_ = [] { return core::Clock::nowSeconds(); };
}

void ArchiveDownloadHandler::addRoutes(Router& router) {
  auto handler = [this](const HttpRequest& r, const PathParams& p) {
    return download(r, p.at("key"), p.at("id"));
  };
  // The router matches methods exactly: HEAD (a player probing the size) is its own route.
  router.add("GET", "/v2/project/{key}/archive/{id}/download", handler);
  router.add("HEAD", "/v2/project/{key}/archive/{id}/download", handler);
}

std::string ArchiveDownloadHandler::resource(const std::string& apiKey,
                                             const std::string& archiveId) {
  return "archive-download\n" + apiKey + "\n" + archiveId;
}

std::string ArchiveDownloadHandler::link(const std::string& publicUrl, const std::string& apiKey,
                                         const std::string& archiveId,
                                         std::int64_t ttlSeconds) const {
  const std::int64_t expires = now_() + ttlSeconds;
  return publicUrl + "/v2/project/" + core::FormData::encode(apiKey) + "/archive/" +
         core::FormData::encode(archiveId) + "/download?expires=" + std::to_string(expires) +
         "&signature=" +
         core::UrlSignature::sign(signingKey_, resource(apiKey, archiveId), expires);
}

HttpResponse ArchiveDownloadHandler::download(const HttpRequest& request, const std::string& apiKey,
                                              const std::string& archiveId) const {
  // A newline would let one (key, id) pair sign for another; no real one holds any.
  if (apiKey.find('\n') != std::string::npos || archiveId.find('\n') != std::string::npos)
    return forbidden("invalid signature");
  const auto expires = request.queryParam("expires");
  const auto signature = request.queryParam("signature");
  if (!expires || !signature) return forbidden("invalid signature");
  switch (core::UrlSignature::verify(signingKey_, resource(apiKey, archiveId), *expires, *signature,
                                     now_())) {
    case core::UrlSignature::Check::Valid:
      break;
    case core::UrlSignature::Check::Expired:
      return forbidden("link expired");
    case core::UrlSignature::Check::Invalid:
      return forbidden("invalid signature");
  }

  const auto archive = store_.findArchive(apiKey, archiveId);
  if (!archive || archive->status != "available" || !safeFileStem(archiveId)) return notFound();
  // Composed archives are one MP4 (what OpenTok delivers), individual ones a ZIP.
  if (nodeUrl_ && !archive->nodeId.empty()) {
    if (const std::string holder = nodeUrl_(archive->nodeId); !holder.empty()) {
      HttpResponse r = HttpResponse::empty(307);
      // The path and query as routed (never an absolute-form target): the host stays the holder's.
      r.setHeader("Location",
                  holder + request.path + (request.query.empty() ? "" : "?" + request.query));
      addDownloadHeaders(r);
      return r;
    }
  }
  const bool composed = archive->outputMode == "composed";
  const std::string extension = composed ? ".mp4" : ".zip";
  const char* contentType = composed ? "video/mp4" : "application/zip";
  const std::string path = archivesDir_ + "/" + archiveId + extension;
  std::string error;
  auto file = OpenFile::open(path, &error);
  if (!file) {
    obs::Logger::warn("available archive has no file",
                      {{"apiKey", apiKey}, {"archiveId", archiveId}, {"error", error}});
    return notFound();
  }

  const std::uint64_t size = file->size();
  // A stored archive never changes, so its SHA-256 is a strong validator: a resumed
  // download (If-Range) gets the rest only if it is still the same file.
  const std::string etag = archive->sha256.empty() ? "" : "\"" + archive->sha256 + "\"";
  auto rangeHeader = request.header("Range");
  if (auto ifRange = request.header("If-Range"); ifRange && (etag.empty() || *ifRange != etag))
    rangeHeader.reset();
  const ByteRange::Result range = ByteRange::parse(rangeHeader, size);
  if (range.kind == ByteRange::Kind::Unsatisfiable) {
    HttpResponse r = HttpResponse::error(416, "Range not satisfiable",
                                         "The archive has " + std::to_string(size) + " bytes");
    r.setHeader("Content-Range", "bytes */" + std::to_string(size));
    addDownloadHeaders(r);
    return r;
  }
  HttpResponse r = range.kind == ByteRange::Kind::Partial
                       ? HttpResponse::file(206, file, range.first, range.length(), contentType)
                       : HttpResponse::file(200, file, 0, size, contentType);
  if (range.kind == ByteRange::Kind::Partial)
    r.setHeader("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                     std::to_string(range.last) + "/" + std::to_string(size));
  r.setHeader("Content-Disposition", "attachment; filename=\"" + archiveId + extension + "\"");
  if (!etag.empty()) r.setHeader("ETag", etag);
  addDownloadHeaders(r);
  return r;
}

}  // namespace parley::http
