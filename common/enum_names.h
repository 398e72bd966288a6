// EnumNames: the one table of an enum's values and the words that name them
// (on the command line, in JSON, on the wire), so a mode or kind is parsed
// once where it enters and compared as an enum everywhere else.
//   constexpr EnumNames<Mode, 2> kModes{{{Mode::kA, "a"}, {Mode::kB, "b"}}};
//   kModes.Name(Mode::kA) == "a"; kModes.Parse("b") == Mode::kB;
//   kModes.Parse("--mode", "c") throws Error(kInvalidArgument):
//     "--mode must be a or b, not 'c'"
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/error.h"

namespace getps {

template <typename E, std::size_t N>
struct EnumNames {
  std::array<std::pair<E, const char*>, N> entries;

  constexpr const char* Name(E value) const {
    for (const auto& [v, name] : entries)
      if (v == value) return name;
    return "?";
  }

  constexpr std::optional<E> Find(std::string_view text) const {
    for (const auto& [v, name] : entries)
      if (text == name) return v;
    return std::nullopt;
  }

  // The value named `text`; Error(kInvalidArgument) naming `what` (an
  // option, a field) and the allowed words otherwise.
  E Parse(std::string_view what, std::string_view text) const {
    if (const auto v = Find(text)) return *v;
    throw Error(ErrorCode::kInvalidArgument,
                std::string(what) + " must be " + Choices() + ", not '" + std::string(text) + "'");
  }

  // "a, b or c".
  std::string Choices() const {
    std::string out;
    for (std::size_t i = 0; i < N; ++i)
      out += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(entries[i].second);
    return out;
  }
};

}  // namespace getps
