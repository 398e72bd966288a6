// Whole-string number parsing for text inputs: true only when all of `text`
// is the number (no sign for unsigned, no trailing characters, in range).
// Callers add their own bounds and build the error message with file, line
// and what was expected.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// The shortest text that ParseDouble reads back as exactly `v`.
inline std::string ShortestText(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// The fields of a CSV or TSV line split at `sep`, double quotes grouping a
// field (the quotes themselves dropped; a doubled "" inside quotes is one ").
inline std::vector<std::string> SplitQuoted(std::string_view line, char sep) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') {
      out.back().push_back('"');
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == sep && !quoted) {
      out.emplace_back();
    } else if (c != '\r' || i + 1 != line.size()) {
      out.back().push_back(c);
    }
  }
  return out;
}

}  // namespace getps
