// `getps genotypes import | info | region | expression`: a cohort's personal motif
// features against a feature store (featurizer/genotype_import.h).
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>

#include "common/error.h"
#include "featurizer/featurize.h"
#include "featurizer/genotype_import.h"
#include "featurizer/motif_options.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/option_values.h"
#include "storage/genotype_store.h"
#include "storage/store_reader.h"

namespace getps::cli {
namespace {

// Sample IDs, one per line (a VCF's own order when absent).
std::vector<std::string> ReadSampleList(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kNotFound, "cannot read the sample list " + path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out.push_back(line);
  if (out.empty()) throw Error(ErrorCode::kInvalidArgument, path + ": no sample IDs");
  return out;
}

int Import(const std::vector<std::string>& args) {
  const GenotypeImportOptions d;
  CommandSpec spec(
      "genotypes import", "--store S --vcf X.vcf.gz|X.bcf --genome FA --motifs M [options] --out G",
      "Personal motif features of a cohort: every store region a variant changes is\n"
      "rescanned for each individual's two sequences (phased haplotypes; for unphased\n"
      "calls the homozygous-ALT and the any-ALT consensus) with the store's own motif set,\n"
      "and the mean's delta against the reference row is stored in G, beside each ALT\n"
      "allele's delta alone and the dosages. SNVs and indels up to --max-indel bases;\n"
      "longer and symbolic alleles are counted and skipped. --config may be the featurize\n"
      "config the store was made with (its genome, chrom-map and motif options are used).");
  spec.options.add_options()("store", po::value<std::string>()->required(),
                             "the feature store (read only)")(
      "vcf", po::value<std::string>()->required(), "VCF, VCF.gz or BCF (indexed: regions only)")(
      "genome", po::value<std::string>()->required(), "the reference FASTA of the store")(
      "chrom-map", po::value<std::string>()->default_value(""),
      "TSV store_chrom<TAB>genome_chrom, as featurize took")(
      "out", po::value<std::string>()->required(), "genotype store to write")(
      "overwrite", po::bool_switch(), "replace an existing genotype store at --out")(
      "samples", po::value<std::string>()->default_value(""),
      "file of sample IDs, one per line (default: every sample of the VCF)")(
      "min-qual", po::value<double>(), "skip sites with QUAL below (a missing QUAL is kept)")(
      "pass-only", po::bool_switch(), "skip sites whose FILTER is neither PASS nor '.'")(
      "max-indel", Defaulted(d.max_indel), "longest allele change applied, bases")(
      "expression-individuals", po::value<std::string>()->default_value(""),
      "CELLTYPE=FILE[,...]: genes x individuals expression tables (gene, then a sample ID per "
      "column) for store cell types")("log-expression", po::bool_switch(),
                                      "take log10(x + 1) of the expression tables")(
      "rescan", po::value<std::string>()->default_value(kRescanModes.Name(d.rescan)),
      "local (the bases within a motif's width of each edit) or whole (every base of an edited "
      "region: the same features, slower; a check)");
  AddMotifOptions(spec.options);
  AddMotifOptionRanges(spec);
  spec.ranges["min-qual"] = Finite();
  spec.ranges["max-indel"] = Between(1, 10000);
  spec.path_options = {"store",   "vcf",    "genome",   "chrom-map",    "out",
                       "samples", "motifs", "clusters", "cluster-names"};
  spec.config_of_another_command = true;
  spec.command_line_only = {"out", "overwrite", "store", "vcf", "samples", "log-expression"};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto get = [&](const char* k) { return (*vm)[k].as<std::string>(); };
  GenotypeImportOptions o;
  o.store = get("store");
  o.vcf = get("vcf");
  o.out = get("out");
  o.overwrite = (*vm)["overwrite"].as<bool>();
  if (!get("samples").empty()) o.vcf_options.samples = ReadSampleList(get("samples"));
  if (vm->count("min-qual")) o.vcf_options.min_qual = (*vm)["min-qual"].as<double>();
  o.vcf_options.pass_only = (*vm)["pass-only"].as<bool>();
  if (!get("chrom-map").empty()) o.chrom_map = ReadChromMap(get("chrom-map"));
  o.max_indel = (*vm)["max-indel"].as<std::uint32_t>();
  o.rescan = kRescanModes.Parse("--rescan", get("rescan"));
  o.expression = ParseIndividualExpression(get("expression-individuals"));
  o.log_expression = (*vm)["log-expression"].as<bool>();
  o.threads = (*vm)["threads"].as<int>();
  o.progress = !(*vm)["quiet"].as<bool>();
  auto genome = Genome::Open(get("genome"));
  const MotifSet motifs = LoadMotifSet(*vm, *genome);
  const GenotypeMetadata meta = ImportGenotypes(o, *genome, motifs);
  std::cout << "wrote " << o.out << ": " << meta.individuals.size() << " individuals, "
            << meta.counts.at("alleles_stored") << " alleles in "
            << meta.counts.at("regions_changed") << " regions, "
            << meta.counts.at("person_rows_changed") << " changed person rows\n";
  return 0;
}

int Info(const std::vector<std::string>& args) {
  CommandSpec spec(
      "genotypes info", "--genotypes G",
      "What a genotype store holds: its feature store, VCF, individuals, and what the\n"
      "import read, applied and skipped.");
  spec.options.add_options()("genotypes", po::value<std::string>()->required(), "genotype store");
  spec.positional.add("genotypes", 1);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto g = GenotypeReader::Open((*vm)["genotypes"].as<std::string>());
  const GenotypeMetadata& m = g->metadata();
  std::cout << "genotypes    " << g->path() << "\nstore        " << m.store << " ("
            << m.store_fingerprint << ")\nvcf          " << m.vcf << "\nindividuals  "
            << m.individuals.size() << "\nfeatures     " << m.num_features << "\n";
  for (const auto& ct : m.expression_celltypes) std::cout << "expression   " << ct << "\n";
  for (const auto& [name, value] : m.counts) std::cout << name << "\t" << value << "\n";
  return 0;
}

// The person's raw motif rows of the regions overlapping a locus.
int RegionRows(const std::vector<std::string>& args) {
  CommandSpec spec(
      "genotypes region", "LOCUS --genotypes G --store S --individual ID",
      "An individual's raw motif features (the reference row plus their delta) of the\n"
      "regions overlapping LOCUS, as `getps store region` prints the reference's.");
  spec.options.add_options()("locus", po::value<std::string>()->required(),
                             "chrom:start-end (1-based inclusive) or chrom")(
      "genotypes", po::value<std::string>()->required(), "genotype store")(
      "store", po::value<std::string>()->required(), "the feature store it was imported against")(
      "individual", po::value<std::string>()->required(), "sample ID");
  spec.positional.add("locus", 1);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto g = GenotypeReader::Open((*vm)["genotypes"].as<std::string>());
  auto store = StoreReader::Open((*vm)["store"].as<std::string>());
  g->RequireStore(*store);
  const std::uint16_t who = g->IndividualIndex((*vm)["individual"].as<std::string>());
  const Locus locus = ParseLocus((*vm)["locus"].as<std::string>());
  const auto [first, last] =
      store->regions().Overlapping(store->ChromosomeIndex(locus.chrom), locus.start, locus.end);
  std::cout << "region_id\tlocus";
  for (const auto& n : store->metadata().feature_names) std::cout << "\t" << n;
  std::cout << "\n";
  std::cout.precision(std::numeric_limits<float>::max_digits10);
  std::vector<float> row(store->num_motifs());
  for (std::uint32_t id = first; id < last; ++id) {
    store->ReadMotifScores(id, row.data());
    g->PersonDelta(who, id).AddTo(row);
    std::cout << id << "\t" << store->regions().Describe(id);
    for (float v : row) std::cout << "\t" << v;
    std::cout << "\n";
  }
  return 0;
}

// Every individual's expression of one gene in one cell type.
int GeneExpression(const std::vector<std::string>& args) {
  CommandSpec spec(
      "genotypes expression", "GENE --genotypes G --store S --celltype X",
      "Each individual's expression of GENE in cell type X, as the import was given it\n"
      "(--expression-individuals), with the individual's sample ID, as TSV.");
  spec.options.add_options()("gene", po::value<std::string>()->required(), "gene name")(
      "genotypes", po::value<std::string>()->required(), "genotype store")(
      "store", po::value<std::string>()->required(), "the feature store it was imported against")(
      "celltype", po::value<std::string>()->required(), "cell type of the store");
  spec.positional.add("gene", 1);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto g = GenotypeReader::Open((*vm)["genotypes"].as<std::string>());
  auto store = StoreReader::Open((*vm)["store"].as<std::string>());
  g->RequireStore(*store);  // the values are in this store's gene order
  const std::string name = (*vm)["gene"].as<std::string>();
  const std::vector<GeneRecord> genes = store->Genes();
  const auto gene =
      std::find_if(genes.begin(), genes.end(), [&](const GeneRecord& r) { return r.name == name; });
  if (gene == genes.end())
    throw Error(ErrorCode::kNotFound, "store " + store->path() + " has no gene '" + name + "'");
  const auto ct =
      static_cast<std::uint16_t>(store->CellTypeIndex((*vm)["celltype"].as<std::string>()));
  std::cout << "individual\texpression\n";
  std::cout.precision(std::numeric_limits<float>::max_digits10);
  const auto& people = g->metadata().individuals;
  for (std::size_t k = 0; k < people.size(); ++k) {
    const std::vector<float> values = g->Expression(ct, static_cast<std::uint16_t>(k));
    if (values.empty())
      throw Error(ErrorCode::kNotFound, "genotype store " + g->path() + " has no expression for " +
                                            (*vm)["celltype"].as<std::string>());
    std::cout << people[k] << "\t" << values[static_cast<std::size_t>(gene - genes.begin())]
              << "\n";
  }
  return 0;
}

void PrintUsage() {
  std::cout
      << "usage: getps genotypes <subcommand> [options]   (each takes --help)\n\n"
         "  import      a VCF's individuals -> a genotype store of personal motif features\n"
         "  info        what a genotype store holds and what its import skipped\n"
         "  region      an individual's motif features of the regions at a locus\n"
         "  expression  every individual's expression of a gene in a cell type\n"
         "  evaluate    a model's accuracy across held-out people, beside a cis ridge baseline\n";
}

}  // namespace

int RunGenotypes(const std::vector<std::string>& args, const LibTorchParts& parts) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    PrintUsage();
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "import") return Import(rest);
  if (args[0] == "info") return Info(rest);
  if (args[0] == "region") return RegionRows(rest);
  if (args[0] == "expression") return GeneExpression(rest);
  if (args[0] == "evaluate") {
    if (parts.genotypes_evaluate == nullptr) throw NeedsLibTorch{"'getps genotypes evaluate'"};
    return parts.genotypes_evaluate(rest);
  }
  throw Error(ErrorCode::kInvalidArgument,
              "unknown subcommand 'genotypes " + args[0] + "' (see getps genotypes --help)");
}

}  // namespace getps::cli
