// The simulated world's RNA as a Cell Ranger (v3) .h5 of counts, so the demo
// goes through `featurize --rna` as a user's data does.
//
// Built so that its CPM pseudobulk reproduces the world's expression table:
// cell type c's counts of gene g are round(tpm[g][c] x 10^4), spread over a
// few of its cells, and a filler feature "SIM_OTHER" (not in the GTF, as most
// of a real transcriptome lies outside the peaks) brings each cell type's
// library to exactly 10^10, so CPM = tpm to within 5e-5. A Multiome-style
// "Peaks" feature with counts shows that only gene expression counts.
// Barcodes are CT<c>-<i>-1, as in the world's barcodes.tsv. Deterministic:
// no random draws.
#pragma once

#include <string>
#include <vector>

namespace getps {

// tpm[g][c]: gene g's value in cell type c (>= 0, below 10^5).
void WriteSimulatedRna(const std::string& path, const std::vector<std::string>& genes,
                       const std::vector<std::vector<double>>& tpm, int cells_per_celltype);

}  // namespace getps
