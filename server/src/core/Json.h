#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::core {

// A JSON value with a strict, depth-limited parser and a compact serializer.
// Objects keep insertion order (the wire formats we imitate are order-sensitive to
// human readers, not to parsers); a repeated key on parse keeps the last value.
class Json {
 public:
  // Raw: text that is already JSON, written out as it is (see raw()).
  enum class Type { Null, Bool, Number, String, Array, Object, Raw };

  static constexpr std::size_t kDefaultMaxDepth = 64;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), bool_(b) {}
  // Delegate to the long long overload: std::int64_t is `long` on LP64, so casting to it
  // would make Json(long) delegate to itself.
  Json(int v) : Json(static_cast<long long>(v)) {}
  Json(unsigned v) : Json(static_cast<long long>(v)) {}
  Json(long v) : Json(static_cast<long long>(v)) {}
  Json(long long v) : type_(Type::Number), isInteger_(true), int_(v), number_(double(v)) {}
  Json(unsigned long v) : Json(static_cast<long long>(v)) {}
  Json(double v);
  Json(const char* s) : type_(Type::String), string_(s) {}
  Json(std::string s) : type_(Type::String), string_(std::move(s)) {}
  Json(std::string_view s) : type_(Type::String), string_(s) {}

  static Json array() { return Json(Type::Array); }
  static Json array(std::initializer_list<Json> items);
  static Json object() { return Json(Type::Object); }
  static Json object(std::initializer_list<std::pair<std::string_view, Json>> members);
  // A value already serialised (by dump()), which dump() copies verbatim: for large
  // documents assembled from parts that are serialised once and sent many times (a
  // session's connections in every joiner's state). Opaque: it is no array, object or
  // string to the accessors, and equal only to the same raw text. The caller vouches that
  // `serialized` is one valid JSON value.
  static Json raw(std::string serialized);

  // Parses exactly one JSON text (surrounding whitespace allowed). On failure returns
  // nullopt and, when `error` is given, a short reason with the byte offset.
  static std::optional<Json> parse(std::string_view text, std::string* error = nullptr,
                                   std::size_t maxDepth = kDefaultMaxDepth);

  std::string dump() const;
  void dumpTo(std::string& out) const;

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isBool() const { return type_ == Type::Bool; }
  bool isNumber() const { return type_ == Type::Number; }
  bool isInteger() const { return type_ == Type::Number && isInteger_; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }
  bool isRaw() const { return type_ == Type::Raw; }

  bool asBool() const { return bool_; }
  double asDouble() const { return number_; }
  std::int64_t asInt() const { return isInteger_ ? int_ : static_cast<std::int64_t>(number_); }
  const std::string& asString() const { return string_; }

  // Array access.
  std::size_t size() const { return items_.size(); }
  const Json& at(std::size_t i) const { return items_[i]; }
  Json& at(std::size_t i) { return items_[i]; }
  const std::vector<Json>& items() const { return items_; }
  Json& push(Json v);

  // Object access. `find` returns nullptr when absent (or when this is not an object).
  const Json* find(std::string_view key) const;
  Json* find(std::string_view key);
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Inserts or replaces; turns a null value into an object first.
  Json& set(std::string_view key, Json v);
  const std::vector<std::string>& keys() const { return keys_; }
  const Json& valueAt(std::size_t i) const { return items_[i]; }
  bool erase(std::string_view key);

  // Typed look-ups for objects: nullopt when absent or of another type.
  std::optional<std::string> getString(std::string_view key) const;
  std::optional<std::int64_t> getInt(std::string_view key) const;
  std::optional<double> getNumber(std::string_view key) const;
  std::optional<bool> getBool(std::string_view key) const;

  friend bool operator==(const Json& a, const Json& b);

  static void appendQuoted(std::string& out, std::string_view s);

 private:
  friend class JsonParser;
  explicit Json(Type t) : type_(t) {}
  // Parser helpers: append without a look-up, then drop earlier duplicates in one pass.
  void appendMember(std::string key, Json v);
  void removeDuplicateKeys();

  Type type_ = Type::Null;
  bool bool_ = false;
  bool isInteger_ = false;
  std::int64_t int_ = 0;
  double number_ = 0;
  std::string string_;
  std::vector<std::string> keys_;  // objects: parallel to items_
  std::vector<Json> items_;        // array elements or object values
};

}  // namespace parley::core
