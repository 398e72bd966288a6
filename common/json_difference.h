// FirstDifference: the first top-level key in which two JSON objects (two
// descriptions of a job) differ, for a message that names it. Header only.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

namespace getps {

struct JsonDifference {
  std::string key;
  std::optional<nlohmann::json> mine, theirs;  // nullopt: the key is absent there
};

// Keys of `mine` first (in its order), then keys only `theirs` has; keys in
// `ignored` are skipped. nullopt when the objects agree.
inline std::optional<JsonDifference> FirstDifference(const nlohmann::json& mine,
                                                     const nlohmann::json& theirs,
                                                     const std::set<std::string>& ignored = {}) {
  const auto at = [](const nlohmann::json& j, const std::string& key) {
    return j.contains(key) ? std::optional<nlohmann::json>(j.at(key)) : std::nullopt;
  };
  for (const auto& [key, value] : mine.items())
    if (!ignored.count(key) && at(theirs, key) != value)
      return JsonDifference{key, value, at(theirs, key)};
  for (const auto& [key, value] : theirs.items())
    if (!ignored.count(key) && !mine.contains(key)) return JsonDifference{key, std::nullopt, value};
  return std::nullopt;
}

// "absent" or the value as JSON text.
inline std::string Shown(const std::optional<nlohmann::json>& v) {
  return v ? v->dump() : "absent";
}

}  // namespace getps
