#include "core/Json.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>
#include <unordered_map>

namespace parley::core {

class JsonParser {
 public:
  JsonParser(std::string_view text, std::size_t maxDepth) : text_(text), maxDepth_(maxDepth) {}

  std::optional<Json> run(std::string* error) {
    skipSpace();
    Json value;
    if (!parseValue(value, 0)) return fail(error);
    skipSpace();
    if (pos_ != text_.size()) {
      error_ = "trailing characters";
      return fail(error);
    }
    return value;
  }

 private:
  std::optional<Json> fail(std::string* error) {
    if (error) *error = error_ + " at offset " + std::to_string(pos_);
    return std::nullopt;
  }

  bool setError(const char* what) {
    if (error_.empty()) error_ = what;
    return false;
  }

  void skipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return setError("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool parseValue(Json& out, std::size_t depth) {
    if (pos_ >= text_.size()) return setError("unexpected end");
    switch (text_[pos_]) {
      case 'n':
        out = Json();
        return literal("null");
      case 't':
        out = Json(true);
        return literal("true");
      case 'f':
        out = Json(false);
        return literal("false");
      case '"': {
        std::string s;
        if (!parseString(s)) return false;
        out = Json(std::move(s));
        return true;
      }
      case '[':
        return parseArray(out, depth + 1);
      case '{':
        return parseObject(out, depth + 1);
      default:
        return parseNumber(out);
    }
  }

  bool parseArray(Json& out, std::size_t depth) {
    if (depth > maxDepth_) return setError("nesting too deep");
    ++pos_;  // '['
    out = Json::array();
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skipSpace();
      Json item;
      if (!parseValue(item, depth)) return false;
      out.push(std::move(item));
      skipSpace();
      if (pos_ >= text_.size()) return setError("unterminated array");
      char c = text_[pos_++];
      if (c == ']') return true;
      if (c != ',') return setError("expected ',' or ']'");
    }
  }

  bool parseObject(Json& out, std::size_t depth) {
    if (depth > maxDepth_) return setError("nesting too deep");
    ++pos_;  // '{'
    out = Json::object();
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return setError("expected object key");
      std::string key;
      if (!parseString(key)) return false;
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') return setError("expected ':'");
      ++pos_;
      skipSpace();
      Json value;
      if (!parseValue(value, depth)) return false;
      out.appendMember(std::move(key), std::move(value));
      skipSpace();
      if (pos_ >= text_.size()) return setError("unterminated object");
      char c = text_[pos_++];
      if (c == '}') {
        out.removeDuplicateKeys();
        return true;
      }
      if (c != ',') return setError("expected ',' or '}'");
    }
  }

  static void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool hex4(std::uint32_t& out) {
    if (text_.size() - pos_ < 4) return setError("short \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9')
        out |= std::uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f')
        out |= std::uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        out |= std::uint32_t(c - 'A' + 10);
      else
        return setError("bad hex digit in \\u escape");
    }
    return true;
  }

  // Validates one UTF-8 sequence starting at pos_ and copies it.
  bool copyUtf8(std::string& out) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text_[i]); };
    unsigned char c = byte(pos_);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++pos_;
      return true;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return setError("invalid UTF-8");
    }
    if (text_.size() - pos_ < len) return setError("truncated UTF-8");
    for (std::size_t i = 1; i < len; ++i) {
      unsigned char cc = byte(pos_ + i);
      if ((cc & 0xC0) != 0x80) return setError("invalid UTF-8");
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return setError("invalid UTF-8");
    out.append(text_.substr(pos_, len));
    pos_ += len;
    return true;
  }

  bool parseString(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= text_.size()) return setError("unterminated string");
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return setError("control character in string");
      if (c != '\\') {
        if (!copyUtf8(out)) return false;
        continue;
      }
      ++pos_;
      if (pos_ >= text_.size()) return setError("unterminated escape");
      char e = text_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") return setError("lone surrogate");
            pos_ += 2;
            std::uint32_t low;
            if (!hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return setError("lone surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return setError("lone surrogate");
          }
          appendUtf8(out, cp);
          break;
        }
        default:
          return setError("invalid escape");
      }
    }
  }

  // For a syntactically valid JSON number: is its magnitude below 1, judging by the
  // decimal exponent of its first significant digit (explicit exponent included)?
  static bool underflows(std::string_view num) {
    std::size_t i = num.empty() || num[0] != '-' ? 0 : 1;
    std::int64_t lead = 0;  // decimal exponent of the first non-zero digit
    bool found = false;
    std::int64_t intDigits = 0;
    for (; i < num.size() && num[i] >= '0' && num[i] <= '9'; ++i, ++intDigits) {
      if (!found && num[i] != '0') {
        found = true;
        lead = -intDigits;
      }
    }
    if (found) lead += intDigits - 1;
    if (i < num.size() && num[i] == '.') {
      ++i;
      for (std::int64_t k = 1; i < num.size() && num[i] >= '0' && num[i] <= '9'; ++i, ++k) {
        if (!found && num[i] != '0') {
          found = true;
          lead = -k;
        }
      }
    }
    if (!found) return true;  // zero
    std::int64_t exp = 0;
    if (i < num.size() && (num[i] == 'e' || num[i] == 'E')) {
      ++i;
      const bool negative = i < num.size() && num[i] == '-';
      if (i < num.size() && (num[i] == '-' || num[i] == '+')) ++i;
      for (; i < num.size(); ++i)
        if (exp < 1'000'000'000) exp = exp * 10 + (num[i] - '0');  // saturate
      if (negative) exp = -exp;
    }
    return lead + exp < 0;
  }

  bool parseNumber(Json& out) {
    std::size_t start = pos_;
    auto digit = [&]() { return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; };
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    if (!digit()) return setError("invalid value");
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (digit()) ++pos_;
    }
    bool integral = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (!digit()) return setError("invalid number");
      while (digit()) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digit()) return setError("invalid number");
      while (digit()) ++pos_;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      long long v = 0;
      auto [p, ec] = std::from_chars(first, last, v);
      if (ec == std::errc() && p == last) {
        out = Json(v);
        return true;
      }
      // Out of int64 range: fall through to double.
    }
    double d = 0;
    auto [p, ec] = std::from_chars(first, last, d);
    if (p != last || (ec != std::errc() && ec != std::errc::result_out_of_range))
      return setError("invalid number");
    if (ec == std::errc::result_out_of_range) {
      // from_chars leaves `d` untouched when out of range. Underflow becomes ±0 as in
      // JSON.parse; overflow has no JSON representation (1e999 must not read as 0).
      if (!underflows(text_.substr(start, pos_ - start))) return setError("number out of range");
      d = text_[start] == '-' ? -0.0 : 0.0;
    }
    if (!std::isfinite(d)) return setError("number out of range");
    out = Json(d);
    return true;
  }

  std::string_view text_;
  std::size_t maxDepth_;
  std::size_t pos_ = 0;
  std::string error_;
};

Json::Json(double v) : type_(Type::Number), number_(v) {
  // Integral doubles in the exactly representable range print as integers.
  if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) < 9007199254740992.0) {
    isInteger_ = true;
    int_ = static_cast<std::int64_t>(v);
  }
  if (!std::isfinite(v)) {  // JSON has no NaN/Inf: store 0
    number_ = 0;
    isInteger_ = true;
    int_ = 0;
  }
}

Json Json::array(std::initializer_list<Json> items) {
  Json j(Type::Array);
  j.items_.assign(items.begin(), items.end());
  return j;
}

Json Json::object(std::initializer_list<std::pair<std::string_view, Json>> members) {
  Json j(Type::Object);
  for (const auto& [k, v] : members) j.set(k, v);
  return j;
}

std::optional<Json> Json::parse(std::string_view text, std::string* error, std::size_t maxDepth) {
  return JsonParser(text, maxDepth).run(error);
}

Json& Json::push(Json v) {
  if (type_ == Type::Null) type_ = Type::Array;
  items_.push_back(std::move(v));
  return items_.back();
}

void Json::appendMember(std::string key, Json v) {
  keys_.push_back(std::move(key));
  items_.push_back(std::move(v));
}

void Json::removeDuplicateKeys() {
  // Last occurrence wins, as in JavaScript's JSON.parse. Hash look-up keeps hostile
  // inputs with many keys linear.
  std::unordered_map<std::string_view, std::size_t> last;
  last.reserve(keys_.size());
  for (std::size_t i = 0; i < keys_.size(); ++i) last[keys_[i]] = i;
  if (last.size() == keys_.size()) return;
  std::vector<bool> keep(keys_.size());
  for (std::size_t i = 0; i < keys_.size(); ++i) keep[i] = last[keys_[i]] == i;
  std::vector<std::string> keys;
  std::vector<Json> items;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (!keep[i]) continue;
    keys.push_back(std::move(keys_[i]));
    items.push_back(std::move(items_[i]));
  }
  keys_ = std::move(keys);
  items_ = std::move(items);
}

const Json* Json::find(std::string_view key) const {
  if (type_ != Type::Object) return nullptr;
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return &items_[i];
  return nullptr;
}

Json* Json::find(std::string_view key) {
  return const_cast<Json*>(static_cast<const Json*>(this)->find(key));
}

Json& Json::set(std::string_view key, Json v) {
  if (type_ == Type::Null) type_ = Type::Object;
  if (Json* existing = find(key)) {
    *existing = std::move(v);
    return *existing;
  }
  keys_.emplace_back(key);
  items_.push_back(std::move(v));
  return items_.back();
}

bool Json::erase(std::string_view key) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(i));
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  }
  return false;
}

std::optional<std::string> Json::getString(std::string_view key) const {
  const Json* v = find(key);
  if (!v || !v->isString()) return std::nullopt;
  return v->string_;
}

std::optional<std::int64_t> Json::getInt(std::string_view key) const {
  const Json* v = find(key);
  if (!v || !v->isNumber()) return std::nullopt;
  if (v->isInteger_) return v->int_;
  if (!(std::fabs(v->number_) < 9.2e18)) return std::nullopt;
  return static_cast<std::int64_t>(v->number_);
}

std::optional<double> Json::getNumber(std::string_view key) const {
  const Json* v = find(key);
  if (!v || !v->isNumber()) return std::nullopt;
  return v->number_;
}

std::optional<bool> Json::getBool(std::string_view key) const {
  const Json* v = find(key);
  if (!v || !v->isBool()) return std::nullopt;
  return v->bool_;
}

bool operator==(const Json& a, const Json& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Json::Type::Null:
      return true;
    case Json::Type::Bool:
      return a.bool_ == b.bool_;
    case Json::Type::Number:
      return a.number_ == b.number_ && a.int_ == b.int_;
    case Json::Type::String:
      return a.string_ == b.string_;
    case Json::Type::Array:
      return a.items_ == b.items_;
    case Json::Type::Object:
      return a.keys_ == b.keys_ && a.items_ == b.items_;
    case Json::Type::Raw:
      return a.string_ == b.string_;
  }
  return false;
}

void Json::appendQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void Json::dumpTo(std::string& out) const {
  switch (type_) {
    case Type::Null:
      out += "null";
      break;
    case Type::Bool:
      out += bool_ ? "true" : "false";
      break;
    case Type::Number: {
      char buf[32];
      auto res = isInteger_ ? std::to_chars(buf, buf + sizeof buf, int_)
                            : std::to_chars(buf, buf + sizeof buf, number_);
      // A double beyond 2^53 can come out digits-only ("1223456789012345700"), which
      // would parse back as a different, exact int64. Keep it visibly a double.
      if (!isInteger_ &&
          std::string_view(buf, res.ptr - buf).find_first_of(".eE") == std::string_view::npos)
        res = std::to_chars(buf, buf + sizeof buf, number_, std::chars_format::scientific);
      out.append(buf, res.ptr);
      break;
    }
    case Type::String:
      appendQuoted(out, string_);
      break;
    case Type::Array:
      out += '[';
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (i) out += ',';
        items_[i].dumpTo(out);
      }
      out += ']';
      break;
    case Type::Object:
      out += '{';
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (i) out += ',';
        appendQuoted(out, keys_[i]);
        out += ':';
        items_[i].dumpTo(out);
      }
      out += '}';
      break;
    case Type::Raw:
      out += string_;
      break;
  }
}

Json Json::raw(std::string serialized) {
  Json j(Type::Raw);
  j.string_ = std::move(serialized);
  return j;
}

std::string Json::dump() const {
  std::string out;
  dumpTo(out);
  return out;
}

}  // namespace parley::core
