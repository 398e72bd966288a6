// `getps pseudobulk`: RNA counts (10x .h5, AnnData .h5ad) summed per cell
// type and normalised — the expression table `getps featurize --rna` builds
// internally, written out to inspect or to pass as --expression.
#include <fstream>
#include <iostream>

#include "common/error.h"
#include "common/log.h"
#include "featurizer/annotation.h"
#include "featurizer/pseudobulk.h"
#include "featurizer/sample_inputs.h"
#include "launch/cell_options.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/option_values.h"

namespace getps::cli {

int RunPseudobulk(const std::vector<std::string>& args) {
  CommandSpec spec(
      "pseudobulk",
      "--rna H5[,H5...] --barcodes TABLE [--samples S1,S2] [--gtf G | --tss-bed B] --out TSV",
      "Sums RNA counts per cell type over the barcodes of the barcode table, normalises them\n"
      "(CPM, or TPM with gene lengths from --gtf) and writes log10(x + 1) per gene and cell\n"
      "type: the labels `getps featurize --rna` uses. Genes are matched to --gtf/--tss-bed\n"
      "by name, then by Ensembl ID (versions stripped); without an annotation every gene\n"
      "keeps the matrix's name. Several --rna files are samples (see --sample-barcodes).");
  spec.options.add_options()("rna", po::value<std::string>()->required(),
                             "10x .h5 or AnnData .h5ad; comma-separated, one per sample")(
      "barcodes", po::value<std::string>()->required(), "barcode -> cell type table, CSV or TSV")(
      "gtf", po::value<std::string>()->default_value(""), "GTF: gene names, IDs and lengths")(
      "tss-bed", po::value<std::string>()->default_value(""), "TSS BED6: gene names")(
      "out", po::value<std::string>()->default_value("-"), "output TSV ('-': standard output)")(
      "quiet", po::bool_switch(), kQuietHelp);
  AddCellOptions(spec.options);
  AddRnaOptions(spec.options);
  spec.path_options = {"rna", "barcodes", "gtf", "tss-bed"};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto get = [&](const char* k) { return (*vm)[k].as<std::string>(); };
  const BarcodeTable table = ReadBarcodeTable(get("barcodes"), ReadBarcodeColumns(*vm));
  // Each --rna file is a sample (its own barcodes); one file uses the table as it is.
  const auto rna = SplitList(get("rna"));
  SampleInputs in{SamplesFromLists(SplitList(get("samples")), rna, rna), ReadsFormat::kFragments,
                  ReadSampleBarcodes(*vm), &table, get("barcodes")};
  if (rna.size() == 1) in.samples[0].rna = rna[0];
  if (!get("gtf").empty() && !get("tss-bed").empty())
    throw Error(ErrorCode::kInvalidArgument, "getps pseudobulk: give --gtf or --tss-bed, not both");
  std::vector<GeneTss> genes;
  if (!get("gtf").empty()) genes = ReadGtfTss(get("gtf"));
  if (!get("tss-bed").empty()) genes = ReadTssBed(get("tss-bed"));
  const ExpressionTable t = PseudobulkSamples(in, "", genes, ReadRnaOptions(*vm));
  const std::string out = get("out");
  if (out == "-") {
    WriteExpressionTable(t, std::cout);
    std::cout.flush();
    if (!std::cout) throw Error(ErrorCode::kIOError, "error writing standard output");
    return 0;
  }
  std::ofstream file(out);
  WriteExpressionTable(t, file);
  file.close();
  if (!file) throw Error(ErrorCode::kIOError, "error writing " + out);
  LogInfo("pseudobulk: wrote " + std::to_string(t.of_gene.size()) + " genes x " +
          std::to_string(t.celltypes.size()) + " cell types to " + out);
  return 0;
}

}  // namespace getps::cli
