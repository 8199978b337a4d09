#include "http/ProxyPath.h"

#include <cctype>

namespace parley::http {

bool ProxyPath::looksLikeHost(std::string_view seg) {
  if (seg.empty()) return false;
  if (seg == "localhost" || seg.rfind("localhost:", 0) == 0) return true;
  bool dotOrColon = false;
  for (char c : seg) {
    if (c == '.' || c == ':')
      dotOrColon = true;
    else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '[' || c == ']'))
      return false;
  }
  // "config.json" is a file name, not a host: hosts do not end in a known file suffix.
  if (seg.size() > 5 && seg.substr(seg.size() - 5) == ".json") return false;
  return dotOrColon;
}

std::string ProxyPath::strip(std::string_view path, std::string_view basePath,
                             std::string* proxiedHost) {
  while (!basePath.empty() && basePath.back() == '/') basePath.remove_suffix(1);
  if (!basePath.empty() && path.substr(0, basePath.size()) == basePath &&
      (path.size() == basePath.size() || path[basePath.size()] == '/')) {
    path.remove_prefix(basePath.size());
  }
  if (path.empty()) return "/";
  std::size_t start = path[0] == '/' ? 1 : 0;
  std::size_t end = path.find('/', start);
  std::string_view first =
      path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  if (looksLikeHost(first)) {
    if (proxiedHost) *proxiedHost = std::string(first);
    if (end == std::string_view::npos) return "/";
    return std::string(path.substr(end));
  }
  return std::string(path);
}

}  // namespace parley::http
