#include "featurizer/motif_options.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "common/error.h"
#include "common/log.h"
#include "common/parse.h"

namespace getps {

namespace po = boost::program_options;

void AddMotifOptions(po::options_description& options) {
  options.add_options()("motifs", po::value<std::string>()->required(),
                        "motif files, comma-separated (MEME, JASPAR or HOMER format)")(
      "clusters", po::value<std::string>()->default_value(""),
      "motif -> cluster table (TSV 'motifs<TAB>cluster'); default: one feature per motif")(
      "cluster-names", po::value<std::string>()->default_value(""),
      "cluster annotation CSV with Cluster_ID and Name columns (features are names)")(
      "pvalue", po::value<double>()->default_value(1e-4), "match p-value")(
      "pseudocount", po::value<double>()->default_value(kDefaultPseudocount), "PWM pseudocount")(
      "background", po::value<std::string>()->default_value("genome"),
      "base background: genome, uniform, or A,C,G,T frequencies")(
      "threads", po::value<int>()->default_value(0), "worker threads (0: all cores)")(
      "device", po::value<std::string>()->default_value("cpu"),
      "cpu (SIMD scanner), cuda[:N] (LibTorch conv1d; needs a CUDA LibTorch build), or torch-cpu "
      "(the conv1d path on the CPU, to check it)")(
      "scan-memory-mb", po::value<std::size_t>()->default_value(TorchScanOptions{}.memory_bytes),
      "memory of one conv1d of the device scan, MB (0: 256 on the CPU, a quarter of a GPU's "
      "free memory)")("quiet", po::bool_switch(), kQuietHelp);
}

TorchScanOptions ReadTorchScanOptions(const po::variables_map& vm) {
  return {vm["scan-memory-mb"].as<std::size_t>() << 20};
}

Background ParseBackground(const std::string& text, const Genome& genome) {
  if (text == "uniform") return {0.25, 0.25, 0.25, 0.25};
  if (text == "genome") {
    Background bg = BackgroundFromCounts(genome.CountBases());
    LogInfo("background from " + genome.path() + ": A " + std::to_string(bg[0]) + ", C " +
            std::to_string(bg[1]) + ", G " + std::to_string(bg[2]) + ", T " +
            std::to_string(bg[3]));
    return bg;
  }
  Background bg{};
  std::istringstream ss(text);
  std::string part;
  int i = 0;
  double sum = 0;
  while (std::getline(ss, part, ',')) {
    if (i == 4) break;
    if (!ParseDouble(part, &bg[static_cast<std::size_t>(i)])) {
      i = 5;
      break;
    }
    sum += bg[static_cast<std::size_t>(i++)];
  }
  if (i != 4 || std::fabs(sum - 1.0) > 1e-3 || *std::min_element(bg.begin(), bg.end()) <= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "--background '" + text +
                    "': expected genome, uniform, or 4 positive frequencies A,C,G,T summing to 1");
  }
  return bg;
}

MotifSet LoadMotifSet(const po::variables_map& vm, const Genome& genome) {
  std::vector<Motif> motifs;
  std::map<std::string, std::string> source;  // motif name -> the file it came from
  std::string files = vm["motifs"].as<std::string>();
  std::istringstream ss(files);
  std::string file;
  while (std::getline(ss, file, ',')) {
    if (file.empty()) continue;
    for (auto& m : ReadMotifs(file)) {
      const auto [at, added] = source.emplace(m.name, file);
      if (!added)
        throw Error(ErrorCode::kInvalidArgument,
                    "motif " + m.name + " is in " +
                        (at->second == file ? file + " twice" : at->second + " and in " + file) +
                        ": motif names must be unique (its matches would count twice)");
      motifs.push_back(std::move(m));
    }
  }
  if (motifs.empty()) throw Error(ErrorCode::kInvalidArgument, "--motifs names no motif file");
  const std::string clusters = vm["clusters"].as<std::string>();
  MotifFeatures features = clusters.empty()
                               ? OneFeaturePerMotif(motifs)
                               : LoadMotifFeatures(clusters, vm["cluster-names"].as<std::string>());
  MotifSetOptions o;
  o.pvalue = vm["pvalue"].as<double>();
  o.pseudocount = vm["pseudocount"].as<double>();
  o.threads = vm["threads"].as<int>();
  if (!(o.pseudocount >= 0)) throw Error(ErrorCode::kInvalidArgument, "--pseudocount must be >= 0");
  const Background bg = ParseBackground(vm["background"].as<std::string>(), genome);
  MotifSet set = PrepareMotifs(motifs, features, bg, o);
  LogInfo("motifs: " + std::to_string(motifs.size()) + " from " + files + " -> " +
          std::to_string(set.feature_names.size()) + " features, p = " + std::to_string(o.pvalue));
  return set;
}

}  // namespace getps
