#include "launch/cell_options.h"

namespace getps::cli {

void AddCellOptions(po::options_description& options) {
  options.add_options()("barcode-column", po::value<std::string>()->default_value(""),
                        "the barcode table's barcode column (default: found by name)")(
      "celltype-column", po::value<std::string>()->default_value(""),
      "the barcode table's cell-type column (default: found by name)")(
      "samples", po::value<std::string>()->default_value(""),
      "sample names, comma-separated, one per input file (default 1,2,...)")(
      "sample-barcodes",
      po::value<std::string>()->default_value(SampleBarcodesName(kDefaultSampleBarcodes)),
      "how the barcode table tells samples apart: suffix (aggr's -1, -2, ...) or prefix (NAME:)");
}

BarcodeColumns ReadBarcodeColumns(const po::variables_map& vm) {
  return {vm["barcode-column"].as<std::string>(), vm["celltype-column"].as<std::string>()};
}

SampleBarcodes ReadSampleBarcodes(const po::variables_map& vm) {
  return ParseSampleBarcodes(vm["sample-barcodes"].as<std::string>());
}

void AddRnaOptions(po::options_description& options) {
  const PseudobulkOptions d;
  options.add_options()("rna-normalise",
                        po::value<std::string>()->default_value(RnaNormaliseName(d.normalise)),
                        "cpm (10x 3'/5' counts) or tpm (full-length; gene lengths from --gtf)")(
      "rna-layer", po::value<std::string>()->default_value(RnaLayerName(d.layer)),
      "AnnData matrix: auto (the first of counts, raw, X holding counts), counts, raw or X");
}

PseudobulkOptions ReadRnaOptions(const po::variables_map& vm) {
  return {ParseRnaNormalise(vm["rna-normalise"].as<std::string>()),
          ParseRnaLayer(vm["rna-layer"].as<std::string>())};
}

}  // namespace getps::cli
