#pragma once

#include "http/RestAuthenticator.h"
#include "http/Router.h"

namespace parley::http {

// The REST endpoints of OpenTok features Parley does not offer yet (docs/protocol.md §3.4):
// archives and broadcasts (when their managers are not running), SIP dial and DTMF, live
// captions, Experience Composer, Audio Connector. After the usual authentication they answer 501
// with a JSON body naming the feature. A 404 here would be misreported by the official SDKs
// ("Session not found" for an archive start), sending developers to look for a bug in their own
// session handling.
class UnavailableFeatures {
 public:
  // `archives`, `broadcasts`: whether those APIs are among them (they are when no
  // ArchiveManager, BroadcastManager runs).
  UnavailableFeatures(RestAuthenticator& auth, bool archives, bool broadcasts = true)
      : auth_(auth), archives_(archives), broadcasts_(broadcasts) {}

  void addRoutes(Router& router);

 private:
  RestAuthenticator& auth_;
  bool archives_;
  bool broadcasts_;
};

}  // namespace parley::http
