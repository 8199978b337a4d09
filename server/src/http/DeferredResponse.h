#pragma once

#include <functional>
#include <memory>

namespace parley::http {

struct HttpResponse;

// A response that is not ready when the handler returns (a request forwarded to another
// node): the handler returns an HttpResponse whose `deferred` is set, and whoever holds this
// completes it later on the control thread. The HTTP server sends what complete() gives.
class DeferredResponse {
 public:
  using Sink = std::function<void(HttpResponse)>;

  DeferredResponse();
  ~DeferredResponse();
  DeferredResponse(const DeferredResponse&) = delete;
  DeferredResponse& operator=(const DeferredResponse&) = delete;

  // The first call wins; later ones are ignored.
  void complete(HttpResponse response);
  // Where the response goes: called at once if it is already complete.
  void onReady(Sink sink);
  bool completed() const { return done_; }

 private:
  std::unique_ptr<HttpResponse> ready_;
  Sink sink_;
  bool done_ = false;
};

}  // namespace parley::http
