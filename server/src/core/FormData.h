#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::core {

// application/x-www-form-urlencoded data: request bodies of POST /session/create and the
// data part of T1 tokens. Field order and repeated names are kept as received. Values
// are raw decoded bytes; callers that need text must validate them (e.g. UTF-8).
// Size limits are the caller's job.
class FormData {
 public:
  using Field = std::pair<std::string, std::string>;

  // Splits on '&', then each part at its first '='; a part without '=' is a name with an
  // empty value, empty parts ("a=1&&b=2", a trailing '&') are skipped. '+' and "%20"
  // both decode to a space. nullopt on a malformed percent escape.
  static std::optional<FormData> parse(std::string_view body);

  // Decodes one component ('+' → space, %XX → byte); nullopt on a malformed escape.
  static std::optional<std::string> decode(std::string_view component);
  // Percent-encodes like JavaScript's encodeURIComponent: everything but
  // A-Z a-z 0-9 - _ . ! ~ * ' ( ) becomes %XX (uppercase hex), space included.
  static std::string encode(std::string_view text);

  // First value for `name`, nullopt when absent.
  std::optional<std::string> get(std::string_view name) const;
  bool contains(std::string_view name) const { return count(name) > 0; }
  std::size_t count(std::string_view name) const;
  const std::vector<Field>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  std::size_t size() const { return fields_.size(); }

  void add(std::string name, std::string value);
  // "name=value&…" with encode() applied to both sides.
  std::string toString() const;

 private:
  std::vector<Field> fields_;
};

}  // namespace parley::core
