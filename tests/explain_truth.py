"""A `getps explain` folder scored against a `getps simulate` world's
truth.json (issue 20's ground truth):
- tf_auroc: over (gene, cell type, TF planted in the gene's promoter), TF01
  (the core-promoter motif) left out, the AUROC of |motif importance| for
  TFs active in the cell type (activity >= 0.5) against inactive ones;
- sign_agreement: the share of active promoter TFs whose importance has
  the sign of their effect;
- domain_wins: the share of genes whose domain-mates (regions of the TSS
  region's domain, the TSS region left out) have a larger mean Jacobian
  norm than the window's regions of other domains;
- tss_top: the share of genes whose TSS region has the largest norm.

  python tests/explain_truth.py EXPLAIN_DIR WORLD_DIR [CHROM]"""
import csv
import json
import sys

import numpy as np


def _regions(world):
    """Region text (chr:start-end, 1-based) -> (chromosome index, index in it)."""
    chroms, counts, out = [], {}, {}
    with open(f"{world}/peaks.bed") as f:
        for line in f:
            c, s, e = line.split("\t")[:3]
            if c not in chroms:
                chroms.append(c)
            out[f"{c}:{int(s) + 1}-{e.strip()}"] = (chroms.index(c), counts.get(c, 0))
            counts[c] = counts.get(c, 0) + 1
    return out


def _table(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def score(explain, world, chrom=None):
    with open(f"{world}/truth.json") as f:
        truth = json.load(f)
    activity, effect = np.array(truth["activity"]), np.array(truth["effect"])
    regions = _regions(world)
    by_index = {v: k for k, v in regions.items()}
    planted = {}
    for k, i, tf, _ in truth["planted"]:
        planted.setdefault(by_index[(k, i)], set()).add(tf)
    rows = _table(f"{explain}/gene_by_motif.rows.tsv")
    features = [r["feature"] for r in _table(f"{explain}/gene_by_motif.columns.tsv")]
    v = np.load(f"{explain}/gene_by_motif.npy")
    celltypes = sorted({r["celltype"] for r in rows}, key=lambda c: int(c.split("_")[-1]))
    pos, neg, signs, wins, compared, top, genes = [], [], [], 0, 0, 0, 0
    with open(f"{explain}/region_importance.tsv") as f:
        next(f)
        for n, r in enumerate(rows):
            window = [next(f).rstrip("\n").split("\t") for _ in range(200)]
            if chrom and r["chrom"] != chrom:
                continue
            c = celltypes.index(r["celltype"])
            for tf in planted.get(r["region"], ()):
                if tf == 0:
                    continue
                value = v[n, features.index(f"TF{tf + 1:02d}")]
                if activity[c, tf] >= 0.5:
                    pos.append(abs(value))
                    signs.append(np.sign(value) == np.sign(effect[tf]))
                else:
                    neg.append(abs(value))
            domain = regions[r["region"]][1] // truth["domain_regions"]
            same = [float(w[4]) for w in window
                    if regions[w[2]][1] // truth["domain_regions"] == domain and w[2] != r["region"]]
            other = [float(w[4]) for w in window if regions[w[2]][1] // truth["domain_regions"] != domain]
            genes += 1
            top += max(window, key=lambda w: float(w[4]))[2] == r["region"]
            if same and other:
                compared += 1
                wins += np.mean(same) > np.mean(other)
    pos, neg = np.array(pos), np.array(neg)
    auroc = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    return {"genes": genes, "active_pairs": len(pos), "inactive_pairs": len(neg),
            "tf_auroc": float(auroc), "sign_agreement": float(np.mean(signs)),
            "domain_wins": wins / max(compared, 1), "domain_genes": compared, "tss_top": top / genes}


if __name__ == "__main__":
    print(json.dumps(score(*sys.argv[1:4]), indent=1))
