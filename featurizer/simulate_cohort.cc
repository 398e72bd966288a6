#include "featurizer/simulate_cohort.h"

#include <htslib/bgzf.h>
#include <htslib/tbx.h>
#include <cstdint>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "common/random.h"
#include "featurizer/genome.h"
#include "featurizer/motif.h"

namespace getps {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr double kLevels[] = {0.0, 0.1, 0.3, 0.6};  // h2, gene by gene in turn
constexpr double kWorldNoise = 0.08;                // LogTpm's noise
constexpr double kDrive = 0.35;                     // LogTpm's weight of the promoter's TFs

struct Instance {
  int tf;
  std::int64_t start, end;  // genome coordinates, 0-based half-open
};

struct World {
  std::vector<std::string> chroms;                                          // chr1...
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> regions;  // per chromosome
  std::map<std::pair<int, int>, std::vector<Instance>> instances;           // (chrom, region)
  std::vector<std::vector<double>> activity;                                // [cell type][tf]
  std::vector<double> effect;
  std::vector<std::string> consensus;     // per TF
  Json genes;                             // truth.json's
  std::vector<std::vector<double>> base;  // [gene][cell type] log10(TPM + 1)
  std::vector<std::string> celltypes;
};

Json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in)
    throw Error(ErrorCode::kNotFound, "cannot read " + path.string() + " (run getps simulate)");
  Json j = Json::parse(in);
  if (!j.contains("genes"))
    throw Error(ErrorCode::kInvalidArgument,
                path.string() + " has no genes: a world of an older getps; simulate it again");
  return j;
}

World ReadWorld(const fs::path& dir) {
  World w;
  std::ifstream bed(dir / "peaks.bed");
  if (!bed) throw Error(ErrorCode::kNotFound, "cannot read " + (dir / "peaks.bed").string());
  for (std::string chrom; bed >> chrom;) {
    std::int64_t s = 0, e = 0;
    std::string name;
    bed >> s >> e >> name;
    if (w.chroms.empty() || w.chroms.back() != chrom) {
      w.chroms.push_back(chrom);
      w.regions.emplace_back();
    }
    w.regions.back().emplace_back(s, e);
  }
  for (const Motif& m : ReadMotifs((dir / "motifs.meme").string())) {
    std::string c;
    for (const auto& p : m.probs)
      c.push_back("ACGT"[std::max_element(p.begin(), p.end()) - p.begin()]);
    w.consensus.push_back(c);
  }
  const Json truth = ReadJson(dir / "truth.json");
  w.activity = truth.at("activity").get<std::vector<std::vector<double>>>();
  w.effect = truth.at("effect").get<std::vector<double>>();
  for (const auto& p : truth.at("planted")) {
    const int k = p[0], i = p[1], tf = p[2];
    const std::int64_t start =
        w.regions.at(static_cast<std::size_t>(k)).at(static_cast<std::size_t>(i)).first +
        p[3].get<std::int64_t>();
    w.instances[{k, i}].push_back(
        {tf, start,
         start + static_cast<std::int64_t>(w.consensus.at(static_cast<std::size_t>(tf)).size())});
  }
  w.genes = truth.at("genes");
  std::ifstream exp(dir / "expression.tsv");
  std::string line;
  std::getline(exp, line);
  std::istringstream head(line);
  for (std::string word; head >> word;)
    if (word != "gene") w.celltypes.push_back(word);
  while (std::getline(exp, line)) {
    std::istringstream row(line);
    std::string name;
    row >> name;
    auto& levels = w.base.emplace_back();
    for (double tpm; row >> tpm;) levels.push_back(std::log10(tpm + 1.0));
  }
  if (w.base.size() != w.genes.size())
    throw Error(ErrorCode::kInvalidArgument,
                (dir / "expression.tsv").string() + " has " + std::to_string(w.base.size()) +
                    " genes, truth.json " + std::to_string(w.genes.size()));
  return w;
}

struct Variant {
  int chrom = 0;
  std::int64_t pos = 0;  // 0-based
  std::string ref, alt;
  double af = 0;
  int gene = -1;  // the gene it drives (causal), or -1
  int tf = -1;
  std::string kind = "neutral";
  std::vector<double> beta;  // per cell type, homozygous
};

bool Overlaps(const std::vector<Instance>& in, std::int64_t s, std::int64_t e) {
  return std::any_of(in.begin(), in.end(),
                     [&](const Instance& i) { return i.start < e && s < i.end; });
}

class CohortBuilder {
 public:
  CohortBuilder(const fs::path& dir, const CohortOptions& o, std::uint64_t seed)
      : dir_(dir),
        o_(o),
        rng_(seed * 0x9e3779b97f4a7c15ULL + 0xc0407),
        w_(ReadWorld(dir)),
        genome_(Genome::Open((dir / "genome.fa").string())) {}

  void Build() {
    for (std::size_t g = 0; g < w_.genes.size(); ++g) AddCausal(static_cast<int>(g));
    for (int k = 0; k < static_cast<int>(w_.chroms.size()); ++k) AddNeutral(k);
    std::sort(variants_.begin(), variants_.end(), [](const Variant& a, const Variant& b) {
      return std::pair(a.chrom, a.pos) < std::pair(b.chrom, b.pos);
    });
    DrawGenotypes();
    WriteVcf();
    WriteExpressionAndTruth();
  }

 private:
  double Beta(int g, int tf, int c) const {
    const double dom = w_.genes[static_cast<std::size_t>(g)][4][static_cast<std::size_t>(c)];
    return kDrive * w_.activity[static_cast<std::size_t>(c)][static_cast<std::size_t>(tf)] *
           w_.effect[static_cast<std::size_t>(tf)] * dom;
  }
  bool Taken(int k, std::int64_t s, std::int64_t e) const {
    return std::any_of(variants_.begin(), variants_.end(), [&](const Variant& v) {
      return v.chrom == k && v.pos < e + 1 &&
             s < v.pos + static_cast<std::int64_t>(v.ref.size()) + 1;
    });
  }

  // One causal variant in gene g's promoter when its h2 is not 0.
  void AddCausal(int g) {
    if (kLevels[g % 4] == 0) return;
    const Json& gene = w_.genes[static_cast<std::size_t>(g)];
    const int k = gene[1], i = gene[2];
    const auto [start, end] = w_.regions[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)];
    const auto& inst = w_.instances[{k, i}];
    const std::string& chrom = w_.chroms[static_cast<std::size_t>(k)];
    Variant v;
    v.chrom = k;
    v.gene = g;
    v.af = 0.2 + 0.3 * rng_.Uniform();
    const bool create = (g / 4) % 2 == 1 || inst.empty();
    if (!create) {  // destroy: the last-planted instance (TF01 sites come first)
      const Instance& it = inst.back();
      v.tf = it.tf;
      v.kind = "destroy";
      v.pos = (it.start + it.end) / 2 - 2;  // the anchor base, then 3 deleted
      v.ref = genome_->Fetch(chrom, v.pos, v.pos + 4);
      v.alt = v.ref.substr(0, 1);
    } else {  // create: an activating TF's consensus inserted off every instance
      std::vector<int> up;
      for (std::size_t t = 1; t < w_.effect.size(); ++t)
        if (w_.effect[t] > 0) up.push_back(static_cast<int>(t));
      v.tf = up[rng_.Below(up.size())];
      v.kind = "create";
      for (int tries = 0; tries < 100; ++tries) {
        v.pos = start + 20 +
                static_cast<std::int64_t>(rng_.Below(static_cast<std::uint64_t>(end - start - 40)));
        if (!Overlaps(inst, v.pos - 1, v.pos + 2)) break;
      }
      v.ref = genome_->Fetch(chrom, v.pos, v.pos + 1);
      v.alt = v.ref + w_.consensus[static_cast<std::size_t>(v.tf)];
    }
    for (std::size_t c = 0; c < w_.celltypes.size(); ++c)
      v.beta.push_back((create ? 1 : -1) * Beta(g, v.tf, static_cast<int>(c)));
    if (!Taken(k, v.pos, v.pos + static_cast<std::int64_t>(v.ref.size()))) variants_.push_back(v);
  }

  // Neutral SNVs on chromosome k: half in peaks off every planted instance,
  // half between peaks.
  void AddNeutral(int k) {
    const auto& regions = w_.regions[static_cast<std::size_t>(k)];
    const std::string& chrom = w_.chroms[static_cast<std::size_t>(k)];
    const std::int64_t length = genome_->Length(chrom);
    for (int n = 0, tries = 0;
         n < o_.neutral_per_chromosome && tries < 100 * o_.neutral_per_chromosome; ++tries) {
      Variant v;
      v.chrom = k;
      const auto i = static_cast<int>(rng_.Below(regions.size()));
      const auto [s, e] = regions[static_cast<std::size_t>(i)];
      const bool in_peak = n % 2 == 0;
      v.pos = in_peak ? s + static_cast<std::int64_t>(rng_.Below(static_cast<std::uint64_t>(e - s)))
                      : static_cast<std::int64_t>(rng_.Below(static_cast<std::uint64_t>(length)));
      const bool inside = std::any_of(regions.begin(), regions.end(), [&](const auto& r) {
        return r.first <= v.pos && v.pos < r.second;
      });
      if (inside != in_peak) continue;
      const auto it = w_.instances.find({k, i});
      if (in_peak && it != w_.instances.end() && Overlaps(it->second, v.pos, v.pos + 1)) continue;
      v.ref = genome_->Fetch(chrom, v.pos, v.pos + 1);
      if (v.ref.find_first_not_of("ACGT") != std::string::npos || Taken(k, v.pos, v.pos + 1))
        continue;
      const std::string others = std::string("ACGT").erase(std::string("ACGT").find(v.ref[0]), 1);
      v.alt = others.substr(rng_.Below(3), 1);
      const double u = rng_.Uniform();
      v.af = 0.02 + 0.48 * u * u;
      v.beta.assign(w_.celltypes.size(), 0.0);
      variants_.push_back(v);
      ++n;
    }
  }

  void DrawGenotypes() {
    haplotypes_.assign(variants_.size(),
                       std::vector<std::uint8_t>(2 * static_cast<std::size_t>(o_.individuals)));
    for (std::size_t v = 0; v < variants_.size(); ++v)
      for (auto& h : haplotypes_[v]) h = rng_.Uniform() < variants_[v].af;
  }

  std::string Person(int p) const {
    std::ostringstream s;
    s << "IND" << std::setw(4) << std::setfill('0') << p + 1;
    return s.str();
  }

  void WriteVcf() const {
    const std::string path = (dir_ / "cohort.vcf.gz").string();
    BGZF* out = bgzf_open(path.c_str(), "w");
    if (!out) throw Error(ErrorCode::kIOError, "cannot write " + path);
    std::ostringstream text;
    text << "##fileformat=VCFv4.2\n##source=getps simulate --individuals\n";
    for (const auto& c : w_.chroms)
      text << "##contig=<ID=" << c << ",length=" << genome_->Length(c) << ">\n";
    text << "##INFO=<ID=CAUSAL,Number=0,Type=Flag,Description=\"drives a gene "
            "(cohort_truth.json)\">\n"
            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT";
    for (int p = 0; p < o_.individuals; ++p) text << "\t" << Person(p);
    text << "\n";
    for (std::size_t v = 0; v < variants_.size(); ++v) {
      const Variant& x = variants_[v];
      text << w_.chroms[static_cast<std::size_t>(x.chrom)] << "\t" << x.pos + 1 << "\tv" << v + 1
           << "\t" << x.ref << "\t" << x.alt << "\t60\tPASS\t" << (x.gene >= 0 ? "CAUSAL" : ".")
           << "\tGT";
      for (int p = 0; p < o_.individuals; ++p)
        text << "\t" << int(haplotypes_[v][2 * static_cast<std::size_t>(p)]) << "|"
             << int(haplotypes_[v][2 * static_cast<std::size_t>(p) + 1]);
      text << "\n";
    }
    const std::string s = text.str();
    if (bgzf_write(out, s.data(), s.size()) != static_cast<ssize_t>(s.size()) ||
        bgzf_close(out) != 0)
      throw Error(ErrorCode::kIOError, "cannot write " + path);
    if (tbx_index_build(path.c_str(), 0, &tbx_conf_vcf) != 0)
      throw Error(ErrorCode::kIOError, "cannot index " + path);
  }

  void WriteExpressionAndTruth() {
    const std::size_t n = static_cast<std::size_t>(o_.individuals), genes = w_.genes.size(),
                      cts = w_.celltypes.size();
    // genetic[g][c][p]: the person's genetic value.
    std::vector<std::vector<std::vector<double>>> genetic(
        genes, std::vector<std::vector<double>>(cts, std::vector<double>(n)));
    for (std::size_t v = 0; v < variants_.size(); ++v) {
      if (variants_[v].gene < 0) continue;
      for (std::size_t c = 0; c < cts; ++c)
        for (std::size_t p = 0; p < n; ++p)
          genetic[static_cast<std::size_t>(variants_[v].gene)][c][p] +=
              0.5 * variants_[v].beta[c] * (haplotypes_[v][2 * p] + haplotypes_[v][2 * p + 1]);
    }
    fs::create_directories(dir_ / "people");
    Json truth_genes = Json::object();
    std::vector<std::ofstream> tables;
    for (const auto& ct : w_.celltypes) {
      tables.emplace_back(dir_ / "people" / (ct + ".tsv"));
      tables.back() << std::setprecision(8) << "gene";
      for (std::size_t p = 0; p < n; ++p) tables.back() << "\t" << Person(static_cast<int>(p));
      tables.back() << "\n";
    }
    for (std::size_t g = 0; g < genes; ++g) {
      const double h2 = kLevels[g % 4];
      Json realised = Json::array();
      for (std::size_t c = 0; c < cts; ++c) {
        const auto& gv = genetic[g][c];
        double mean = 0, var = 0;
        for (const double x : gv) mean += x / static_cast<double>(n);
        for (const double x : gv) var += (x - mean) * (x - mean) / static_cast<double>(n);
        const double sd = h2 > 0 && var > 0 ? std::sqrt(var * (1 - h2) / h2) : kWorldNoise;
        std::vector<double> y(n);
        tables[c] << w_.genes[g][0].get<std::string>();
        for (std::size_t p = 0; p < n; ++p) {
          const double noise = std::sqrt(-2 * std::log(rng_.Uniform() + 1e-300)) *
                               std::cos(2 * M_PI * rng_.Uniform());
          y[p] = std::max(0.0, w_.base[g][c] + gv[p] + sd * noise);
          tables[c] << "\t" << y[p];
        }
        tables[c] << "\n";
        realised.push_back(var > 0 ? std::pow(Correlation(gv, y), 2) : 0.0);
      }
      truth_genes[w_.genes[g][0].get<std::string>()] = {{"h2", h2}, {"realised_h2", realised}};
    }
    Json vs = Json::array();
    for (const Variant& v : variants_)
      vs.push_back({{"chrom", w_.chroms[static_cast<std::size_t>(v.chrom)]},
                    {"pos", v.pos + 1},
                    {"ref", v.ref},
                    {"alt", v.alt},
                    {"af", v.af},
                    {"causal", v.gene >= 0},
                    {"gene", v.gene >= 0 ? w_.genes[static_cast<std::size_t>(v.gene)][0] : Json()},
                    {"tf", v.tf},
                    {"kind", v.kind},
                    {"beta", v.beta}});
    Json people = Json::array();
    for (std::size_t p = 0; p < n; ++p) people.push_back(Person(static_cast<int>(p)));
    std::ofstream(dir_ / "cohort_truth.json") << Json{{"individuals", people},
                                                      {"celltypes", w_.celltypes},
                                                      {"variants", vs},
                                                      {"genes", truth_genes}}
                                                     .dump()
                                              << "\n";
  }

  static double Correlation(const std::vector<double>& a, const std::vector<double>& b) {
    const double n = static_cast<double>(a.size());
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
    for (std::size_t i = 0; i < a.size(); ++i) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
  }

  fs::path dir_;
  CohortOptions o_;
  Rng rng_;
  World w_;
  std::unique_ptr<Genome> genome_;
  std::vector<Variant> variants_;
  std::vector<std::vector<std::uint8_t>> haplotypes_;  // [variant][2 x individual]
};

}  // namespace

void SimulateCohort(const std::string& dir, const CohortOptions& options, std::uint64_t seed) {
  if (options.individuals < 1 || options.individuals > 65535)
    throw Error(ErrorCode::kInvalidArgument, "--individuals: expected 1 to 65,535");
  CohortBuilder(dir, options, seed).Build();
}

}  // namespace getps
