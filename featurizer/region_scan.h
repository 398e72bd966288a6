// Scanning many regions of a genome with a motif set: PSSMs for both strands
// with their p-value thresholds (PrepareMotifs), then every region scanned
// in parallel and handed to a callback in region order (ScanRegions).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "featurizer/batch_scanner.h"
#include "featurizer/genome.h"
#include "featurizer/motif.h"
#include "featurizer/motif_features.h"
#include "featurizer/motif_scanner.h"
#include "featurizer/pssm.h"
#include "storage/region_index.h"

namespace getps {

struct MotifSetOptions {
  double pvalue = 1e-4;
  double pseudocount = kDefaultPseudocount;
  int threads = 0;  // 0: all cores
};

// PSSMs of every motif, forward then reverse complement (2 per motif), with
// thresholds; feature_of_pssm maps each to its feature column.
struct MotifSet {
  std::vector<Pssm> pssms;
  std::vector<int> feature_of_pssm;
  std::vector<std::string> feature_names;
  Background background{};
};

// Throws Error(kNotFound) for a motif missing from `features`.
MotifSet PrepareMotifs(const std::vector<Motif>& motifs, const MotifFeatures& features,
                       const Background& bg, const MotifSetOptions& options);

// Calls sink(i, sequence_matches) for every region i in order, from the
// calling thread; positions in the matches are relative to the region start.
// Regions are fetched (and scanned) on `threads` threads in waves; with a
// `device_scanner` each wave is scanned by it in one batch instead.
void ScanRegions(const Genome& genome, const std::vector<Region>& regions,
                 const MotifScanner& scanner, int threads,
                 const std::function<void(std::size_t, std::span<const MotifMatch>)>& sink,
                 bool progress, const BatchScanner* device_scanner = nullptr);

}  // namespace getps
