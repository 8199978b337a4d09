#include "http/ByteRange.h"

#include <limits>

namespace parley::http {

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// 1*DIGIT; saturates at kMax, which is past any real size and so still means "too far".
bool parseDigits(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    v = v > (kMax - d) / 10 ? kMax : v * 10 + d;
  }
  out = v;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isBytesUnit(std::string_view s) {
  if (s.size() != 5) return false;
  constexpr std::string_view kBytes = "bytes";
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kBytes[i]) return false;
  }
  return true;
}

}  // namespace

ByteRange::Result ByteRange::parse(std::optional<std::string_view> header, std::uint64_t size) {
  const Result full;
  if (!header || header->size() > kMaxHeaderLength) return full;
  std::string_view value = trim(*header);
  const auto eq = value.find('=');
  if (eq == std::string_view::npos || !isBytesUnit(value.substr(0, eq))) return full;
  std::string_view spec = trim(value.substr(eq + 1));
  // Several ranges would need a multipart/byteranges body; the whole file answers them.
  if (spec.find(',') != std::string_view::npos) return full;
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return full;
  const std::string_view firstText = spec.substr(0, dash);
  const std::string_view lastText = spec.substr(dash + 1);

  Result r;
  r.kind = Kind::Partial;
  if (firstText.empty()) {  // suffix: the last n bytes
    std::uint64_t n = 0;
    if (!parseDigits(lastText, n)) return full;
    if (n == 0 || size == 0) return {Kind::Unsatisfiable, 0, 0};
    r.first = n >= size ? 0 : size - n;
    r.last = size - 1;
    return r;
  }
  std::uint64_t first = 0;
  if (!parseDigits(firstText, first)) return full;
  std::uint64_t last = kMax;
  if (!lastText.empty()) {
    if (!parseDigits(lastText, last)) return full;
    if (last < first) return full;  // invalid, so ignored (RFC 9110 §14.1.1)
  }
  if (first >= size) return {Kind::Unsatisfiable, 0, 0};
  r.first = first;
  r.last = last >= size ? size - 1 : last;
  return r;
}

}  // namespace parley::http
