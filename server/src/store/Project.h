#pragma once

#include <cstdint>
#include <string>

namespace parley::store {

// A tenant: its numeric API key and the secret that signs its tokens and REST JWTs.
struct Project {
  std::string apiKey;
  std::string secret;
  std::string name;
  std::int64_t createdAtMs = 0;
  // The video codec its sessions ask publishers to prefer: "vp8", "vp9", "h264", or ""
  // for the server's --video-codec.
  std::string videoCodec = {};
};

}  // namespace parley::store
