// The audit trail of committed training data: RUN/epochs.jsonl gets one
// line per commit (a checkpoint of the state of record, every
// --commit-every steps and at each epoch's end) naming the range of the
// epoch's window order [from, to) that this commit added, the generation
// (how many times the run was resumed) that trained it, and digests:
//   {"epoch": E (1-based), "generation": G, "plan": N, "plan_digest": H,
//    "from": A, "to": B, "committed": B - A, "digest": h, ["resumed_at": A]}
// Digests are order-independent sums (mod 2^64) of a 64-bit hash of each
// window, as 16 hex digits, so the digests of disjoint ranges add up to the
// digest of their union: an epoch whose lines' ranges tile [0, N) and whose
// digests sum to plan_digest lost no window and trained none twice.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "storage/window_plan.h"

namespace getps {

std::uint64_t WindowSetDigest(std::span<const Window> windows);
std::string DigestHex(std::uint64_t digest);

// The line for committing order[from, to) of epoch `epoch` (0-based here).
nlohmann::json CommitLine(const std::vector<Window>& order, int epoch, int generation,
                          std::size_t from, std::size_t to);

}  // namespace getps
