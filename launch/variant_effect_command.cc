// `getps variant-effect`: what each allele of a VCF does to the predicted
// expression of the genes whose windows hold the regions it changes. The
// alleles are imported with the store's own motif set first (every allele,
// with the status of those not applied: featurizer/genotype_import.h), then
// scored (launch/variant_effects.h).
#include <cstdint>
#include <filesystem>
#include <iostream>

#include "common/error.h"
#include "featurizer/featurize.h"
#include "featurizer/genotype_import.h"
#include "featurizer/motif_options.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/gene_tasks.h"
#include "launch/option_values.h"
#include "launch/variant_effects.h"
#include "storage/store_reader.h"

namespace getps::cli {
namespace {

void AddVariantEffectOptions(CommandSpec& spec) {
  const VariantScorerOptions v;
  const GenotypeImportOptions g;
  spec.options.add_options()("checkpoint", po::value<std::string>()->required(),
                             "model.pt, a checkpoint folder or a run directory (its best)")(
      "store", po::value<std::string>()->required(), "the feature store (read only)")(
      "vcf", po::value<std::string>()->required(),
      "VCF, VCF.gz or BCF of the variants (samples ignored)")(
      "genome", po::value<std::string>()->required(), "the reference FASTA of the store")(
      "chrom-map", po::value<std::string>()->default_value(""),
      "TSV store_chrom<TAB>genome_chrom, as featurize took")(
      "celltype", po::value<std::string>()->required(), "comma-separated cell types, or all")(
      "genes", po::value<std::string>()->default_value(""),
      "comma-separated genes, or all (the default)")("genes-file",
                                                     po::value<std::string>()->default_value(""),
                                                     "a file of gene names, one per line")(
      "out", po::value<std::string>()->required(), "the table to write (TSV)")(
      "max-indel", Defaulted(g.max_indel), "longest allele change scored, bases")(
      "atac", po::value<std::string>()->default_value(kAtacModes.Name(v.atac)),
      "accessibility column: quantitative or binary (as the model was trained)")(
      "batch-size", Defaulted(v.batch_size), "allele windows per forward pass")(
      "keep-alleles", po::bool_switch(),
      "keep the alleles' genotype store at OUT.alleles (getps genotypes info)");
  AddMotifOptions(spec.options);
  AddMotifOptionRanges(spec);
  spec.ranges["max-indel"] = Between(1, 10000);
  spec.ranges["batch-size"] = Between(1, 1 << 16);
  spec.path_options = {"checkpoint", "store",  "vcf",      "genome",        "chrom-map",
                       "out",        "motifs", "clusters", "cluster-names", "genes-file"};
  spec.config_of_another_command = true;
  spec.command_line_only = {"checkpoint", "store", "vcf", "out", "celltype", "genes", "genes-file"};
}

// The alleles of the VCF, every one, against the store: a genotype store at
// `path` without individuals.
void ImportAlleles(const po::variables_map& vm, const std::string& path) {
  auto get = [&](const char* k) { return vm[k].as<std::string>(); };
  GenotypeImportOptions o;
  o.store = get("store");
  o.vcf = get("vcf");
  o.out = path;
  o.overwrite = true;
  o.every_allele = true;
  o.vcf_options.sites_only = true;
  if (!get("chrom-map").empty()) o.chrom_map = ReadChromMap(get("chrom-map"));
  o.max_indel = vm["max-indel"].as<std::uint32_t>();
  o.threads = vm["threads"].as<int>();
  o.progress = !vm["quiet"].as<bool>();
  auto genome = Genome::Open(get("genome"));
  ImportGenotypes(o, *genome, LoadMotifSet(vm, *genome));
}

}  // namespace

int RunVariantEffect(const std::vector<std::string>& args) {
  CommandSpec spec(
      "variant-effect",
      "--checkpoint C --store S --vcf V --genome FA --motifs M --celltype X [--genes A,B] --out "
      "T.tsv",
      "The effect of each variant allele on the genes whose windows (200 accessible\n"
      "regions centred on the TSS region, as explain's) hold a region it changes:\n"
      "pred(alt) - pred(ref) of the fine-tuned model, in log10(TPM + 1) and in percent\n"
      "of TPM + 1, with the region, the gene, the distance to its TSS, the motif scores\n"
      "the allele changes (the store's own motif set: give the motif options featurize\n"
      "used, or its --config) and a gradient x delta estimate of the effect. An allele\n"
      "changing no accessible region of a window gets a status instead (outside_regions,\n"
      "region_not_accessible, in_no_gene_window, no_motif_change, too_long, symbolic,\n"
      "crossing_a_region_end, other_chromosome). Rows follow the VCF's order.");
  AddVariantEffectOptions(spec);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  const bool quiet = (*vm)["quiet"].as<bool>();
  auto store = StoreReader::Open((*vm)["store"].as<std::string>());
  VariantEffectRun run;
  run.store = store.get();
  run.celltypes = CellTypes(*store, (*vm)["celltype"].as<std::string>());
  run.tasks = GeneTasks(*store, run.celltypes, GeneNames(*vm), "variant-effect", quiet);
  const FineTunedModel model = LoadFineTunedModel((*vm)["checkpoint"].as<std::string>(), *store,
                                                  (*vm)["atac"].as<std::string>());
  run.model = model.model.get();
  run.device = model.device;
  run.options.atac = model.atac;
  run.options.batch_size = (*vm)["batch-size"].as<std::size_t>();
  run.quiet = quiet;

  const std::string out = (*vm)["out"].as<std::string>();
  const std::string alleles_path = out + ".alleles";
  ImportAlleles(*vm, alleles_path);
  std::map<std::string, std::size_t> counts;
  {
    auto alleles = GenotypeReader::Open(alleles_path);
    run.alleles = alleles.get();
    counts = WriteVariantEffects(run, out);
  }
  if (!(*vm)["keep-alleles"].as<bool>()) std::filesystem::remove_all(alleles_path);
  std::cout << "wrote " << out << ":";
  for (const auto& [status, n] : counts) std::cout << " " << n << " " << status;
  std::cout << "\n";
  return 0;
}

}  // namespace getps::cli
