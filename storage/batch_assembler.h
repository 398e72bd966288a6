// BatchAssembler: turns windows into a Batch — the hot path of training.
//
// Per region of a window: columns 0..M-1 are the raw motif scores divided by
// the cell type's per-motif maximum, clipped to 1; column M is accessibility,
// either quantitative (the region's logCPM divided by the largest logCPM in
// the window; 0 if that is 0) or binary (1: every region of a window is
// accessible). Targets are copied from the store. A person's window is then
// rewritten by options.people (people_source.h).
//
// Allocation-free in steady state: Assemble() only grows the Batch's buffers
// when it gets more windows than they have ever held. Const and re-entrant:
// threads may share one assembler, each with its own Batch.
#pragma once

#include <cstdint>
#include <span>

#include "common/enum_names.h"
#include "storage/batch.h"
#include "storage/window_plan.h"

namespace getps {

class StoreReader;

enum class AtacMode { kQuantitative, kBinary };
inline constexpr EnumNames<AtacMode, 2> kAtacModes{
    {{{AtacMode::kQuantitative, "quantitative"}, {AtacMode::kBinary, "binary"}}}};

class PeopleSource;

struct BatchAssemblerOptions {
  std::uint32_t window_size = kRegionsPerWindow;
  AtacMode atac = AtacMode::kQuantitative;
  // Where windows of people (Window::individual) get their features and
  // labels (people_source.h); not owned, must outlive the assembler. Null:
  // every window must be the reference's.
  const PeopleSource* people = nullptr;
};

class BatchAssembler {
 public:
  // `store` must outlive the assembler.
  BatchAssembler(const StoreReader& store, const BatchAssemblerOptions& options);

  // Throws Error(kOutOfRange) naming the window if it does not lie inside
  // its cell type's accessible regions.
  void Assemble(std::span<const Window> windows, Batch* out) const;

  std::uint32_t num_features() const { return num_features_; }

 private:
  void AssembleWindow(const Window& w, Batch* out, std::size_t slot) const;

  const StoreReader& store_;
  BatchAssemblerOptions options_;
  std::uint32_t num_features_;
};

}  // namespace getps
