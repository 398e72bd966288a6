// NumberOr: a number read from a JSON object, with a fallback for a key that
// is missing or not a number. JSON has no NaN or infinity, so writers store
// them as null (a constant prediction's Pearson, a loss not measured yet);
// readers of records, checkpoint metas and tables take them back this way.
#pragma once

#include <limits>
#include <nlohmann/json.hpp>

namespace getps {

inline double NumberOr(const nlohmann::json& object, const char* key,
                       double fallback = std::numeric_limits<double>::quiet_NaN()) {
  const auto it = object.is_object() ? object.find(key) : object.end();
  return it != object.end() && it->is_number() ? it->get<double>() : fallback;
}

}  // namespace getps
