// FormData::parse on arbitrary input; parsed forms must survive toString → parse, and
// encode → decode must be the identity.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/FormData.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::core::FormData;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (FormData::decode(FormData::encode(input)) != std::string(input)) std::abort();

  const auto form = FormData::parse(input);
  if (!form) return 0;
  const auto again = FormData::parse(form->toString());
  if (!again || again->fields() != form->fields()) std::abort();
  for (const auto& [name, value] : form->fields()) {
    if (!form->get(name) || form->count(name) == 0) std::abort();
  }
  return 0;
}
