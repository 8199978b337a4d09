#include "http/DeferredResponse.h"

#include "http/HttpResponse.h"

namespace parley::http {

DeferredResponse::DeferredResponse() = default;
DeferredResponse::~DeferredResponse() = default;

void DeferredResponse::complete(HttpResponse response) {
  if (done_) return;
  done_ = true;
  if (sink_) {
    Sink sink = std::move(sink_);
    sink_ = nullptr;
    sink(std::move(response));
  } else {
    ready_ = std::make_unique<HttpResponse>(std::move(response));
  }
}

void DeferredResponse::onReady(Sink sink) {
  if (ready_) {
    auto response = std::move(ready_);
    sink(std::move(*response));
    return;
  }
  sink_ = std::move(sink);
}

}  // namespace parley::http
