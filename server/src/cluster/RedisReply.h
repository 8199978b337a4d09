#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parley::cluster {

// One Redis reply, copied out of hiredis's reply object.
struct RedisReply {
  enum class Type { Nil, Integer, String, Status, Array };
  Type type = Type::Nil;
  std::int64_t integer = 0;
  std::string string;  // String and Status
  std::vector<RedisReply> elements;

  bool isNil() const { return type == Type::Nil; }
};

}  // namespace parley::cluster
