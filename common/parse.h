// Whole-string number parsing for text inputs: true only when all of `text`
// is the number (no sign for unsigned, no trailing characters, in range).
// Callers add their own bounds and build the error message with file, line
// and what was expected.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace getps {

inline bool ParseUint32(std::string_view text, std::uint32_t* out) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v > UINT32_MAX)
    return false;
  *out = static_cast<std::uint32_t>(v);
  return true;
}

inline bool ParseDouble(std::string_view text, double* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace getps
