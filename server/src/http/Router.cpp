#include "http/Router.h"

#include <optional>

namespace parley::http {

namespace {

// Percent-decoding for path segments: unlike forms, '+' is a literal plus here.
std::optional<std::string> decodeSegment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool isParam(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

void Router::add(std::string_view method, std::string_view pattern, RouteHandler handler,
                 Cors cors) {
  Route r;
  r.method = method;
  for (auto s : splitPath(pattern)) r.segments.emplace_back(s);
  r.handler = std::move(handler);
  r.cors = cors;
  routes_.push_back(std::move(r));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
  auto segs = splitPath(path);
  for (const auto& route : routes_) {
    if (route.segments.size() != segs.size()) continue;
    PathParams params;
    bool ok = true;
    for (std::size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& pat = route.segments[i];
      if (isParam(pat)) {
        auto decoded = decodeSegment(segs[i]);
        if (!decoded || decoded->empty())
          ok = false;
        else
          params[pat.substr(1, pat.size() - 2)] = std::move(*decoded);
      } else if (pat != segs[i]) {
        ok = false;
      }
    }
    if (!ok) continue;
    if (route.cors == Cors::SameOrigin) result.cors = Cors::SameOrigin;
    if (route.method != method) {
      result.pathKnown = true;
      result.allowedMethods.push_back(route.method);
      continue;
    }
    result.handler = &route.handler;
    result.params = std::move(params);
    result.cors = route.cors;
    return result;
  }
  return result;
}

}  // namespace parley::http
