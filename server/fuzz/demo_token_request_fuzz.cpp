// The query of GET /demo/token through FormData and TokenRequest::parse (with its UTF-8
// check of display names). An accepted request must hold only valid values, and the
// connection data minted from its name must read back as that name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/FormData.h"
#include "demo/TokenIssuer.h"
#include "demo/TokenRequest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::core::FormData;
  using parley::demo::TokenIssuer;
  using parley::demo::TokenRequest;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  (void)TokenRequest::isValidDisplayName(input);
  (void)TokenRequest::isValidRoomName(input);

  const auto query = FormData::parse(input);
  if (!query) return 0;
  const auto request = TokenRequest::parse([&](std::string_view name) { return query->get(name); });
  if (!request) return 0;
  if (!TokenRequest::isValidRoomName(request->room)) std::abort();
  if (!TokenRequest::isValidDisplayName(request->displayName)) std::abort();
  const auto connectionData = FormData::parse(TokenIssuer::connectionData(request->displayName));
  if (!connectionData || connectionData->get("name") != request->displayName) std::abort();
  return 0;
}
