#pragma once

#include <functional>
#include <optional>
#include <string>

#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/RecordingRequests.h"
#include "http/RestAuthenticator.h"
#include "http/Router.h"
#include "session/ArchiveManager.h"
#include "store/Store.h"

namespace parley::http {

// The archive REST API (docs/protocol.md §3.4.2): start, stop, get, list, delete, stream
// choice in manual mode and layout, with the success codes and errors the official SDKs
// expect. Reads come from the store; changes go through the ArchiveManager.
class ArchiveHandler {
 public:
  // The signed download link of an available archive.
  using LinkOf = std::function<std::optional<std::string>(const store::ArchiveRecord&)>;

  ArchiveHandler(RestAuthenticator& auth, store::Store& store, session::ArchiveManager& archives,
                 LinkOf linkOf)
      : auth_(auth), store_(store), archives_(archives), linkOf_(std::move(linkOf)) {}

  void addRoutes(Router& router);
  // The archive JSON with its link when it has one (REST answers, callbacks).
  core::Json render(const store::ArchiveRecord& archive) const;

 private:
  HttpResponse start(const HttpRequest& r, const PathParams& p);
  HttpResponse list(const HttpRequest& r, const PathParams& p);
  HttpResponse get(const HttpRequest& r, const PathParams& p);
  HttpResponse remove(const HttpRequest& r, const PathParams& p);
  HttpResponse stop(const HttpRequest& r, const PathParams& p);
  HttpResponse streams(const HttpRequest& r, const PathParams& p);
  HttpResponse layout(const HttpRequest& r, const PathParams& p);

  RestAuthenticator& auth_;
  store::Store& store_;
  session::ArchiveManager& archives_;
  LinkOf linkOf_;
};

}  // namespace parley::http
