#include "featurizer/simulate.h"

#include <htslib/bgzf.h>
#include <htslib/faidx.h>
#include <htslib/tbx.h>
#include <cstdint>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/progress.h"
#include "common/random.h"
#include "featurizer/simulate_rna.h"

namespace getps {
namespace {

constexpr char kBases[] = "ACGT";
// GET has no positional encoding: within a window it sees a set of regions.
// So the grammar's context is positional only at the scale of domains (about
// half a window), never "the region next door".
constexpr std::size_t kDomainRegions = 400;  // regions per chromatin domain
constexpr int kDomainTfs = 3;                // TFs a domain prefers
constexpr double kDomainShare = 0.9;         // share of instances from the domain's TFs
constexpr double kClosedDomain = 0.3;        // chance a domain is closed in a cell type
constexpr double kClosedScale = 0.25;        // openness factor of a closed domain

struct Instance {
  int tf;
  std::uint32_t offset;  // within the region
};

struct SimRegion {
  std::uint32_t start = 0, end = 0;
  std::vector<Instance> instances;
  std::vector<double> openness;  // per cell type, > 0
  int gene = -1;                 // index into genes when a promoter
};

struct SimGene {
  std::string name;
  int chrom;
  int region;
  char strand;
  std::vector<double> domain_state;  // per cell type: 1 open, kClosedScale closed
};

void Check(bool ok, const std::string& what) {
  if (!ok) throw Error(ErrorCode::kIOError, "simulate: cannot write " + what);
}

}  // namespace

SimulationScale ScaleNamed(const std::string& name) {
  if (name == "tiny") return {4, 700, 4, 16, 600, 30};
  if (name == "small") return {6, 1500, 6, 24, 800, 40};
  if (name == "bench") return {22, 10000, 16, 40, 1000, 20};  // 220 k peaks, ~60 M fragments
  throw Error(ErrorCode::kInvalidArgument,
              "--scale must be tiny, small or bench, not '" + name + "'");
}

namespace {

// The world, built in the order its random draws are made (the same seed
// gives the same files, byte for byte): TFs, then chromosome by chromosome
// its regions, bases, domains and planted instances, then the genes'
// expression noise, then the fragments.
class WorldBuilder {
 public:
  WorldBuilder(const std::string& dir, const SimulationScale& sc, std::uint64_t seed)
      : dir_(dir), sc_(sc), seed_(seed), rng_(MixSeed(seed, 0x51u)), T_(sc.tfs), C_(sc.celltypes) {}

  void Build(bool progress) {
    std::filesystem::create_directories(dir_);
    MakeTfs();
    WriteGenome();
    WriteAnnotation();
    WriteFragments(progress);
    WriteMotifs();
    WriteTruthAndConfig();
  }

 private:
  std::string Path(const std::string& name) const {
    return (std::filesystem::path(dir_) / name).string();
  }
  int RandomTf() { return 1 + static_cast<int>(rng_.Below(static_cast<std::uint64_t>(T_ - 1))); }

  // Transcription factors: PWMs, activities, effects.
  void MakeTfs() {
    pwm_.assign(static_cast<std::size_t>(T_), {});
    activity_.assign(static_cast<std::size_t>(C_),
                     std::vector<double>(static_cast<std::size_t>(T_)));
    effect_.assign(static_cast<std::size_t>(T_), 0);
    for (int t = 0; t < T_; ++t) {
      // TF01, the core-promoter motif, is long and sharp: promoters must be
      // recognisable, as they are in a real genome.
      const int width = t == 0 ? 16 : 8 + static_cast<int>(rng_.Below(7));
      for (int j = 0; j < width; ++j) {
        std::array<double, 4> row{};
        const int best = static_cast<int>(rng_.Below(4));
        const double top = t == 0 ? 0.97 : 0.82 + 0.15 * rng_.Uniform();
        for (int b = 0; b < 4; ++b) row[b] = b == best ? top : (1 - top) / 3;
        pwm_[static_cast<std::size_t>(t)].push_back(row);
      }
      const bool specific =
          t % 2 == 1 && t != 0;  // TF01 (t = 0): the core promoter motif, everywhere
      const int on = static_cast<int>(rng_.Below(static_cast<std::uint64_t>(C_)));
      for (int c = 0; c < C_; ++c) {
        activity_[static_cast<std::size_t>(c)][static_cast<std::size_t>(t)] =
            specific ? (c == on || (t % 4 == 3 && c == (on + 1) % C_) ? 1.0 : 0.05)
                     : 0.5 + 0.5 * rng_.Uniform();
      }
      effect_[static_cast<std::size_t>(t)] = t % 5 == 4 ? -0.6 : 0.4 + 0.6 * rng_.Uniform();
    }
  }

  void WriteGenome() {
    regions_.assign(static_cast<std::size_t>(sc_.chromosomes), {});
    const std::string fasta = Path("genome.fa");
    {
      std::ofstream fa(fasta);
      for (int k = 0; k < sc_.chromosomes; ++k) {
        const std::string seq = MakeChromosome(k);
        fa << ">chr" << k + 1 << "\n";
        for (std::size_t i = 0; i < seq.size(); i += 60) fa << seq.substr(i, 60) << "\n";
      }
      Check(static_cast<bool>(fa), fasta);
    }
    Check(fai_build(fasta.c_str()) == 0, fasta + ".fai");
  }

  // Chromosome k's regions and bases. Chromatin domains of kDomainRegions
  // regions prefer kDomainTfs TFs of their own (so a region's content is
  // predictable from the window it sits in) and are open or closed per
  // cell type (so is its openness). Promoters carry the core-promoter motif
  // TF01, and only they do.
  std::string MakeChromosome(int k) {
    auto& chrom_regions = regions_[static_cast<std::size_t>(k)];
    std::uint32_t pos = 5000;
    for (int i = 0; i < sc_.peaks_per_chromosome; ++i) {
      SimRegion r;
      r.start = pos + 500 + static_cast<std::uint32_t>(rng_.Below(2500));
      r.end = r.start + 300 + static_cast<std::uint32_t>(rng_.Below(300));
      pos = r.end;
      chrom_regions.push_back(r);
    }
    std::string seq(pos + 5000, 'N');
    for (auto& ch : seq) {
      const double u = rng_.Uniform();
      ch = kBases[u < 0.29 ? 0 : u < 0.50 ? 1 : u < 0.71 ? 2 : 3];
    }
    std::vector<int> domain_tfs;
    std::vector<double> domain_state(static_cast<std::size_t>(C_));
    for (std::size_t i = 0; i < chrom_regions.size(); ++i) {
      SimRegion& r = chrom_regions[i];
      if (i % kDomainRegions == 0) {
        domain_tfs.clear();
        for (int d = 0; d < kDomainTfs; ++d) domain_tfs.push_back(RandomTf());
        for (auto& state : domain_state)
          state = rng_.Uniform() < kClosedDomain ? kClosedScale : 1.0;
      }
      const bool promoter = rng_.Uniform() < 0.2;
      Plant(r, promoter, domain_tfs, &seq);
      SetOpenness(r, promoter, domain_state);
      if (promoter) {
        r.gene = static_cast<int>(genes_.size());
        genes_.push_back({"SIMG" + std::to_string(genes_.size() + 1), k, static_cast<int>(i),
                          rng_.Uniform() < 0.5 ? '+' : '-', domain_state});
      }
    }
    return seq;
  }

  // Instances planted in `r` (two TF01 sites first in a promoter), drawn
  // from its PWMs on either strand, never overlapping.
  void Plant(SimRegion& r, bool promoter, const std::vector<int>& domain_tfs, std::string* seq) {
    const int core = promoter ? 2 : 0;
    const int planted = static_cast<int>(Poisson(rng_, 4.0)) + core;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> used;
    for (int p = 0; p < planted; ++p) {
      const int t = p < core                        ? 0
                    : rng_.Uniform() < kDomainShare ? domain_tfs[rng_.Below(domain_tfs.size())]
                                                    : RandomTf();
      const auto& m = pwm_[static_cast<std::size_t>(t)];
      const auto w = static_cast<std::uint32_t>(m.size());
      const std::uint32_t off = static_cast<std::uint32_t>(rng_.Below(r.end - r.start - w));
      bool clash = false;
      for (auto [s0, e0] : used) clash |= off < e0 && s0 < off + w;
      if (clash) continue;
      used.emplace_back(off, off + w);
      const bool reverse = rng_.Uniform() < 0.5;
      for (std::uint32_t j = 0; j < w; ++j) {
        const double u = rng_.Uniform();
        int b = 0;
        for (double acc = m[j][0]; b < 3 && u > acc; acc += m[j][static_cast<std::size_t>(++b)]) {
        }
        if (reverse)
          (*seq)[r.start + off + w - 1 - j] = kBases[3 - b];
        else
          (*seq)[r.start + off + j] = kBases[b];
      }
      r.instances.push_back({t, off});
    }
  }

  // Enhancers open with the activity of the TFs planted in them, damped in
  // a closed domain; promoters are held open by the core-promoter machinery
  // (TF01) whatever their domain, so their own accessibility says little
  // about which TFs act there or whether they are silenced.
  void SetOpenness(SimRegion& r, bool promoter, const std::vector<double>& domain_state) const {
    r.openness.resize(static_cast<std::size_t>(C_));
    for (int c = 0; c < C_; ++c) {
      const auto& act = activity_[static_cast<std::size_t>(c)];
      double drive = 0;
      for (const auto& inst : r.instances) drive += act[static_cast<std::size_t>(inst.tf)];
      r.openness[static_cast<std::size_t>(c)] =
          promoter ? 0.4 + 0.4 * act[0]
                   : domain_state[static_cast<std::size_t>(c)] * (0.005 + 0.6 * drive);
    }
  }

  // Peaks, genes (GTF), expression.
  void WriteAnnotation() {
    std::ofstream bed(Path("peaks.bed"));
    for (std::size_t k = 0; k < regions_.size(); ++k) {
      for (std::size_t i = 0; i < regions_[k].size(); ++i) {
        bed << "chr" << k + 1 << "\t" << regions_[k][i].start << "\t" << regions_[k][i].end
            << "\tpeak_" << k + 1 << "_" << i << "\n";
      }
    }
    Check(static_cast<bool>(bed), "peaks.bed");
    std::ofstream gtf(Path("genes.gtf"));
    std::ofstream exp(Path("expression.tsv"));
    exp << "gene";
    for (int c = 0; c < C_; ++c) exp << "\tcelltype_" << c;
    exp << "\n";
    for (const SimGene& g : genes_) {
      const SimRegion& p =
          regions_[static_cast<std::size_t>(g.chrom)][static_cast<std::size_t>(g.region)];
      const std::uint32_t tss = (p.start + p.end) / 2;  // 0-based
      const std::uint32_t s = g.strand == '+' ? tss + 1 : tss + 1 - 4000,
                          e = g.strand == '+' ? tss + 4000 : tss + 1;
      gtf << "chr" << g.chrom + 1 << "\tsim\tgene\t" << s << "\t" << e << "\t.\t" << g.strand
          << "\t.\tgene_id \"" << g.name << ".1\"; gene_name \"" << g.name << "\";\n";
      exp << g.name;
      std::vector<double>& tpm = tpm_.emplace_back();
      for (int c = 0; c < C_; ++c)
        exp << "\t" << tpm.emplace_back(std::pow(10.0, LogTpm(g, p, c)) - 1.0);
      exp << "\n";
      gene_names_.push_back(g.name);
    }
    Check(static_cast<bool>(gtf) && static_cast<bool>(exp), "genes.gtf / expression.tsv");
    WriteSimulatedRna(Path("rna.h5"), gene_names_, tpm_, sc_.cells_per_celltype);
  }

  // The promoter's own TFs, weighted by their activity in this cell type
  // and silenced in a closed domain, plus noise. Neither shows in the
  // promoter's own features; the window shows both (how open the enhancers
  // around it are, and which of their motifs are open).
  double LogTpm(const SimGene& g, const SimRegion& promoter, int c) {
    double content = 0;
    for (const auto& inst : promoter.instances) {
      content += activity_[static_cast<std::size_t>(c)][static_cast<std::size_t>(inst.tf)] *
                 effect_[static_cast<std::size_t>(inst.tf)];
    }
    const double drive = content * g.domain_state[static_cast<std::size_t>(c)];
    return std::max(0.0, 0.3 + 0.35 * drive +
                             0.08 * std::sqrt(-2 * std::log(rng_.Uniform() + 1e-300)) *
                                 std::cos(2 * M_PI * rng_.Uniform()));
  }

  struct Fragment {
    std::uint32_t start, end;
    int c, cell;
  };

  // Chromosome k's fragments, position-sorted: Poisson per region and cell
  // type by openness, plus one background fragment between peaks.
  std::vector<Fragment> ChromosomeFragments(std::size_t k) {
    std::vector<Fragment> frags;
    const auto cells = static_cast<std::uint64_t>(sc_.cells_per_celltype);
    for (const SimRegion& r : regions_[k]) {
      for (int c = 0; c < C_; ++c) {
        const double mean = sc_.fragments_per_region * r.openness[static_cast<std::size_t>(c)];
        const int n = static_cast<int>(Poisson(rng_, mean));
        for (int f = 0; f < n; ++f) {
          const std::uint32_t s = r.start + static_cast<std::uint32_t>(rng_.Below(r.end - r.start));
          frags.push_back({s, s + 50 + static_cast<std::uint32_t>(rng_.Below(250)), c,
                           static_cast<int>(rng_.Below(cells))});
        }
      }
      const std::uint32_t bg = r.start > 2000 ? r.start - 1500 : 100;
      frags.push_back({bg, bg + 120, static_cast<int>(rng_.Below(static_cast<std::uint64_t>(C_))),
                       static_cast<int>(rng_.Below(cells))});
    }
    std::sort(frags.begin(), frags.end(), [](const Fragment& a, const Fragment& b) {
      return a.start != b.start ? a.start < b.start : a.end < b.end;
    });
    return frags;
  }

  // Barcodes and fragments (BGZF, position-sorted, tabix-indexed).
  void WriteFragments(bool progress) {
    std::ofstream bc(Path("barcodes.tsv"));
    bc << "barcode\tcelltype\n";
    for (int c = 0; c < C_; ++c) {
      for (int i = 0; i < sc_.cells_per_celltype; ++i)
        bc << "CT" << c << "-" << i << "-1\tcelltype_" << c << "\n";
    }
    Check(static_cast<bool>(bc), "barcodes.tsv");
    const std::string frag_path = Path("fragments.tsv.gz");
    BGZF* out = bgzf_open(frag_path.c_str(), "w");
    Check(out != nullptr, frag_path);
    ProgressMeter meter("simulate fragments", sc_.chromosomes, "chromosomes", progress);
    std::string line;
    for (std::size_t k = 0; k < regions_.size(); ++k) {
      for (const Fragment& f : ChromosomeFragments(k)) {
        line = "chr" + std::to_string(k + 1) + "\t" + std::to_string(f.start) + "\t" +
               std::to_string(f.end) + "\tCT" + std::to_string(f.c) + "-" + std::to_string(f.cell) +
               "-1\t1\n";
        Check(bgzf_write(out, line.data(), line.size()) == static_cast<ssize_t>(line.size()),
              frag_path);
      }
      meter.Advance(1);
    }
    Check(bgzf_close(out) == 0, frag_path);
    meter.Finish();
    Check(tbx_index_build(frag_path.c_str(), 0, &tbx_conf_bed) == 0, frag_path + ".tbi");
  }

  // The TFs' PWMs (MEME) and their clusters, one per TF.
  void WriteMotifs() const {
    std::ofstream meme(Path("motifs.meme"));
    meme << "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\nA "
            "0.29 C 0.21 G 0.21 T 0.29\n\n";
    std::ofstream clusters(Path("clusters.tsv"));
    std::ofstream names(Path("cluster_names.csv"));
    clusters << "motifs\tcluster\n";
    names << "Cluster_ID,Motif,Name\n";
    for (int t = 0; t < T_; ++t) {
      char name[16];
      std::snprintf(name, sizeof name, "TF%02d", t + 1);
      meme << "MOTIF " << name << "\nletter-probability matrix: alength= 4 w= "
           << pwm_[static_cast<std::size_t>(t)].size() << "\n";
      for (const auto& row : pwm_[static_cast<std::size_t>(t)])
        meme << row[0] << " " << row[1] << " " << row[2] << " " << row[3] << "\n";
      meme << "\n";
      clusters << name << "\t" << t + 1 << "\n";
      names << t + 1 << "," << name << "," << name << "\n";
    }
    Check(static_cast<bool>(meme) && static_cast<bool>(clusters) && static_cast<bool>(names),
          "motifs.meme / clusters");
  }

  void WriteTruthAndConfig() const {
    nlohmann::json truth;
    truth["seed"] = seed_;
    truth["activity"] = activity_;
    truth["effect"] = effect_;
    truth["domain_regions"] = kDomainRegions;
    // Planted instances: [chromosome, region index, tf, offset in region].
    nlohmann::json planted = nlohmann::json::array();
    for (std::size_t k = 0; k < regions_.size(); ++k) {
      for (std::size_t i = 0; i < regions_[k].size(); ++i) {
        for (const auto& inst : regions_[k][i].instances)
          planted.push_back({k, i, inst.tf, inst.offset});
      }
    }
    truth["planted"] = planted;
    // Genes: [name, chromosome, promoter region index, strand, domain state
    // per cell type] (the cohort's effects follow LogTpm's rule from them).
    nlohmann::json genes = nlohmann::json::array();
    for (const SimGene& g : genes_)
      genes.push_back({g.name, g.chrom, g.region, std::string(1, g.strand), g.domain_state});
    truth["genes"] = genes;
    std::ofstream(Path("truth.json")) << truth.dump() << "\n";
    std::ofstream cfg(Path("featurize.cfg"));
    cfg << "# getps featurize --config " << Path("featurize.cfg") << " --out STORE\n"
        << "# Paths are relative to this file.\n"
        << "peaks = peaks.bed\ngenome = genome.fa\ngenome-build = simulated\nmotifs = motifs.meme\n"
        << "clusters = clusters.tsv\ncluster-names = cluster_names.csv\nfragments = "
           "fragments.tsv.gz\n"
        << "barcodes = barcodes.tsv\ngtf = genes.gtf\nrna = rna.h5\n"
        << "min-cells = " << sc_.cells_per_celltype << "\n";
    Check(static_cast<bool>(cfg), "featurize.cfg");
  }

  std::string dir_;
  SimulationScale sc_;
  std::uint64_t seed_;
  Rng rng_;
  int T_, C_;  // TFs, cell types
  std::vector<std::vector<std::array<double, 4>>> pwm_;
  std::vector<std::vector<double>> activity_;  // [cell type][tf]
  std::vector<double> effect_;
  std::vector<std::vector<SimRegion>> regions_;  // per chromosome
  std::vector<SimGene> genes_;
  std::vector<std::string> gene_names_;   // genes_' names, in order
  std::vector<std::vector<double>> tpm_;  // [gene][cell type], as in expression.tsv
};

}  // namespace

void SimulateWorld(const std::string& dir, const SimulationScale& sc, std::uint64_t seed,
                   bool progress) {
  WorldBuilder(dir, sc, seed).Build(progress);
}

}  // namespace getps
