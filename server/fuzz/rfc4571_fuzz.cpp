// RFC 4571 framing (ICE-TCP) on arbitrary stream bytes: frames stay inside the buffer, the
// consumed count covers exactly the frames delivered, and a bad length is refused.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "media/net/Rfc4571Framer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> buffer(data, data + size);
  size_t delivered = 0;
  auto consumed = parley::media::net::Rfc4571Framer::split(
      buffer.data(), buffer.size(), 2048, [&](uint8_t* frame, size_t len) {
        if (frame < buffer.data() || frame + len > buffer.data() + buffer.size() || len == 0 ||
            len > 2048)
          std::abort();
        delivered += 2 + len;
        return true;
      });
  if (consumed && *consumed != delivered) std::abort();
  if (consumed && *consumed > size) std::abort();
  return 0;
}
