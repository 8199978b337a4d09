#pragma once

// What the archive and broadcast options tests both do: parse a JSON text with
// Options::parse, and check that a body is refused with a message naming the field.

#include <gtest/gtest.h>

#include <string>

#include "core/Json.h"
#include "core/Result.h"

namespace parley::core::options_parsing {

template <typename Options>
Result<Options> parse(const std::string& json) {
  auto body = Json::parse(json);
  EXPECT_TRUE(body) << json;
  return Options::parse(body ? *body : Json());
}

template <typename Options>
void expectRefused(const std::string& json, const std::string& mentions) {
  auto r = parse<Options>(json);
  ASSERT_FALSE(r.ok()) << json;
  EXPECT_EQ(r.error().code, Error::Code::Invalid);
  EXPECT_NE(r.error().message.find(mentions), std::string::npos)
      << json << " → " << r.error().message;
}

}  // namespace parley::core::options_parsing
