#include "core/FormData.h"

namespace parley::core {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isUnreserved(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '!':
    case '~':
    case '*':
    case '\'':
    case '(':
    case ')':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<std::string> FormData::decode(std::string_view component) {
  std::string out;
  out.reserve(component.size());
  for (std::size_t i = 0; i < component.size(); ++i) {
    const char c = component[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (component.size() - i < 3) return std::nullopt;
      const int hi = hexValue(component[i + 1]);
      const int lo = hexValue(component[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi << 4 | lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormData::encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (isUnreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::optional<FormData> FormData::parse(std::string_view body) {
  FormData form;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view part = body.substr(start, end - start);
    start = end + 1;
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    auto name = decode(part.substr(0, eq));
    if (!name) return std::nullopt;
    std::optional<std::string> value =
        eq == std::string_view::npos ? std::string() : decode(part.substr(eq + 1));
    if (!value) return std::nullopt;
    form.fields_.emplace_back(std::move(*name), std::move(*value));
  }
  return form;
}

std::optional<std::string> FormData::get(std::string_view name) const {
  for (const auto& [n, v] : fields_)
    if (n == name) return v;
  return std::nullopt;
}

std::size_t FormData::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& field : fields_)
    if (field.first == name) ++n;
  return n;
}

void FormData::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

std::string FormData::toString() const {
  std::string out;
  for (const auto& [n, v] : fields_) {
    if (!out.empty()) out += '&';
    out += encode(n);
    out += '=';
    out += encode(v);
  }
  return out;
}

}  // namespace parley::core
