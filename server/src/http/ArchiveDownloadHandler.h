#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/Router.h"
#include "store/Store.h"

namespace parley::http {

// The `url` of an available archive (docs/protocol.md §3.4.2): a signed link that fetches
// the archive's ZIP without REST credentials until it expires, with Range support so large
// downloads resume. The signature is the whole authorisation, like OpenTok's S3 links.
class ArchiveDownloadHandler {
 public:
  using NowSeconds = std::function<std::int64_t()>;

  // `archivesDir` holds <archiveId>.zip; `signingKey` signs and checks the links.
  ArchiveDownloadHandler(store::Store& store, std::string archivesDir, std::string signingKey,
                         NowSeconds nowUnixS = {});

  // GET and HEAD /v2/project/{key}/archive/{id}/download?expires=…&signature=…
  void addRoutes(Router& router);

  // {publicUrl}/v2/project/{key}/archive/{id}/download?expires=…&signature=…, valid for
  // `ttlSeconds` from now. `publicUrl` without a trailing slash.
  std::string link(const std::string& publicUrl, const std::string& apiKey,
                   const std::string& archiveId, std::int64_t ttlSeconds) const;

  HttpResponse download(const HttpRequest& request, const std::string& apiKey,
                        const std::string& archiveId) const;

  // In a cluster: the public URL of the live node `nodeId` if it is another node than this
  // one, else "". A download of an archive recorded there is redirected to it (its file is
  // in that node's data dir; every node verifies the link with the cluster's shared key).
  using NodeUrl = std::function<std::string(const std::string& nodeId)>;
  void setNodeUrl(NodeUrl nodeUrl) { nodeUrl_ = std::move(nodeUrl); }

  // What a link's signature covers.
  static std::string resource(const std::string& apiKey, const std::string& archiveId);

 private:
  store::Store& store_;
  std::string archivesDir_;
  std::string signingKey_;
  NowSeconds now_;
  NodeUrl nodeUrl_;
};

}  // namespace parley::http
