#include "core/JsonField.h"

namespace parley::core {

std::optional<std::string> JsonField::readString(const Json& body, std::string_view key,
                                                 std::string& out, std::size_t maxLength) {
  const Json* v = body.find(key);
  if (!v || v->isNull()) return std::nullopt;
  if (!v->isString()) return std::string(key) + " must be a string";
  if (v->asString().size() > maxLength)
    return std::string(key) + " is longer than " + std::to_string(maxLength) + " bytes";
  out = v->asString();
  return std::nullopt;
}

std::optional<std::string> JsonField::readBool(const Json& body, std::string_view key, bool& out) {
  const Json* v = body.find(key);
  if (!v || v->isNull()) return std::nullopt;
  if (!v->isBool()) return std::string(key) + " must be true or false";
  out = v->asBool();
  return std::nullopt;
}

std::optional<std::string> JsonField::readInt(const Json& body, std::string_view key,
                                              std::int64_t& out, std::int64_t low,
                                              std::int64_t high) {
  const Json* v = body.find(key);
  if (!v || v->isNull()) return std::nullopt;
  if (!v->isInteger() || v->asInt() < low || v->asInt() > high)
    return std::string(key) + " must be a whole number from " + std::to_string(low) + " to " +
           std::to_string(high);
  out = v->asInt();
  return std::nullopt;
}

std::optional<std::string> JsonField::readInt(const Json& body, std::string_view key,
                                              std::optional<std::int64_t>& out, std::int64_t low,
                                              std::int64_t high) {
  std::int64_t value = 0;
  if (const Json* v = body.find(key); !v || v->isNull()) return std::nullopt;
  if (auto e = readInt(body, key, value, low, high)) return e;
  out = value;
  return std::nullopt;
}

}  // namespace parley::core
