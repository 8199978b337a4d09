#include "http/HttpResponse.h"

#include <strings.h>

namespace parley::http {

void HttpResponse::setHeader(std::string_view name, std::string_view value) {
  for (auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) {
      v = value;
      return;
    }
  }
  headers.emplace_back(name, value);
}

bool HttpResponse::hasHeader(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return true;
  return false;
}

HttpResponse HttpResponse::json(int status, const core::Json& body) {
  HttpResponse r;
  r.status = status;
  r.setHeader("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string_view contentType) {
  HttpResponse r;
  r.status = status;
  r.setHeader("Content-Type", contentType);
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::empty(int status) {
  HttpResponse r;
  r.status = status;
  return r;
}

HttpResponse HttpResponse::file(int status, std::shared_ptr<const OpenFile> file,
                                std::uint64_t offset, std::uint64_t length,
                                std::string_view contentType) {
  HttpResponse r;
  r.status = status;
  r.setHeader("Content-Type", contentType);
  const std::uint64_t size = file ? file->size() : 0;
  offset = offset > size ? size : offset;
  length = length > size - offset ? size - offset : length;
  r.fileBody = FileRange{std::move(file), offset, length};
  return r;
}

HttpResponse HttpResponse::error(int status, std::string_view message,
                                 std::string_view description) {
  return json(status,
              core::Json::object({{"code", status},
                                  {"message", message},
                                  {"description", description.empty() ? message : description}}));
}

}  // namespace parley::http
