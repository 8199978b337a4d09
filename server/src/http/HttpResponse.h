#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/Json.h"

namespace parley::http {

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void setHeader(std::string_view name, std::string_view value);
  bool hasHeader(std::string_view name) const;

  // `Content-Type: application/json` exactly: the Python SDK compares it byte for byte.
  static HttpResponse json(int status, const core::Json& body);
  static HttpResponse text(int status, std::string body,
                           std::string_view contentType = "text/plain");
  static HttpResponse empty(int status);
  // The REST error shape the SDKs expect: {"code":…,"message":…,"description":…}.
  static HttpResponse error(int status, std::string_view message,
                            std::string_view description = {});
};

}  // namespace parley::http
