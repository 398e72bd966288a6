// The motif options shared by `getps scan` and `getps featurize`, and the
// motif set they describe: motif files, cluster table, p-value, background.
#pragma once

#include <boost/program_options.hpp>

#include "featurizer/genome.h"
#include "featurizer/region_scan.h"
#include "featurizer/batch_scanner.h"

namespace getps {

// Adds --motifs, --clusters, --cluster-names, --pvalue, --pseudocount,
// --background, --threads, --device, --scan-memory-mb, --quiet.
void AddMotifOptions(boost::program_options::options_description& options);

// --scan-memory-mb as the device scanner's options.
TorchScanOptions ReadTorchScanOptions(const boost::program_options::variables_map& vm);

// Reads the motif files, the cluster table and the background ("genome":
// base frequencies of `genome`; "uniform"; or "A,C,G,T" frequencies) and
// prepares the PSSMs.
MotifSet LoadMotifSet(const boost::program_options::variables_map& vm, const Genome& genome);

// Parses --background; "genome" counts the genome's bases.
Background ParseBackground(const std::string& text, const Genome& genome);

}  // namespace getps
