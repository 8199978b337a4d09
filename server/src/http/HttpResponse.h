#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/Json.h"
#include "http/DeferredResponse.h"
#include "http/OpenFile.h"

namespace parley::http {

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // A body read from a file instead of `body`: `length` bytes from `offset`, which the
  // server streams in bounded chunks (never the whole file in memory).
  struct FileRange {
    std::shared_ptr<const OpenFile> file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };
  std::optional<FileRange> fileBody;
  // Set: the answer comes later through it (status, headers and body here are unused).
  std::shared_ptr<DeferredResponse> deferred;

  void setHeader(std::string_view name, std::string_view value);
  bool hasHeader(std::string_view name) const;

  // `Content-Type: application/json` exactly: the Python SDK compares it byte for byte.
  static HttpResponse json(int status, const core::Json& body);
  static HttpResponse text(int status, std::string body,
                           std::string_view contentType = "text/plain");
  static HttpResponse empty(int status);
  // `length` bytes of `file` from `offset`, cut to what the file held when opened.
  static HttpResponse file(int status, std::shared_ptr<const OpenFile> file, std::uint64_t offset,
                           std::uint64_t length, std::string_view contentType);
  // The REST error shape the SDKs expect: {"code":…,"message":…,"description":…}.
  static HttpResponse error(int status, std::string_view message,
                            std::string_view description = {});
};

}  // namespace parley::http
