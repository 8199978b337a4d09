#include "http/HttpRequest.h"

#include <strings.h>

#include "core/FormData.h"

namespace parley::http {

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  std::optional<std::string_view> found;
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) found = v;
  return found;
}

std::optional<std::string> HttpRequest::queryParam(std::string_view name) const {
  auto form = core::FormData::parse(query);
  if (!form) return std::nullopt;
  return form->get(name);
}

}  // namespace parley::http
