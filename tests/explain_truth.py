"""A `getps explain` folder scored against a `getps simulate` world's
truth.json (issue 20's ground truth):
- tf_auroc: over (gene, cell type, TF planted in the gene's promoter), TF01
  (the core-promoter motif) left out, the AUROC of |motif importance| for
  TFs active in the cell type (activity >= 0.5) against inactive ones,
  pooled over genes;
- tf_auroc_per_gene: the same within each (gene, cell type) whose promoter
  has TFs of both kinds, averaged (a gene's scale left out: "over genes");
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


def _auroc(pos, neg):
    """P(a positive beats a negative), ties counting half."""
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


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
    per_gene = []
    with open(f"{explain}/region_importance.tsv") as f:
        next(f)
        for n, r in enumerate(rows):
            window = [next(f).rstrip("\n").split("\t") for _ in range(200)]
            if chrom and r["chrom"] != chrom:
                continue
            c = celltypes.index(r["celltype"])
            mine = ([], [])
            for tf in planted.get(r["region"], ()):
                if tf == 0:
                    continue
                value = v[n, features.index(f"TF{tf + 1:02d}")]
                mine[int(activity[c, tf] < 0.5)].append(abs(value))
                if activity[c, tf] >= 0.5:
                    signs.append(np.sign(value) == np.sign(effect[tf]))
            pos += mine[0]
            neg += mine[1]
            if mine[0] and mine[1]:
                per_gene.append(_auroc(np.array(mine[0]), np.array(mine[1])))
            domain = regions[r["region"]][1] // truth["domain_regions"]
            same = [float(w[4]) for w in window
                    if regions[w[2]][1] // truth["domain_regions"] == domain and w[2] != r["region"]]
            other = [float(w[4]) for w in window if regions[w[2]][1] // truth["domain_regions"] != domain]
            genes += 1
            top += max(window, key=lambda w: float(w[4]))[2] == r["region"]
            if same and other:
                compared += 1
                wins += np.mean(same) > np.mean(other)
    return {"genes": genes, "active_pairs": len(pos), "inactive_pairs": len(neg),
            "tf_auroc": _auroc(np.array(pos), np.array(neg)),
            "tf_auroc_per_gene": float(np.mean(per_gene)) if per_gene else 0.5,
            "auroc_genes": len(per_gene), "sign_agreement": float(np.mean(signs)),
            "domain_wins": wins / max(compared, 1), "domain_genes": compared, "tss_top": top / genes}


if __name__ == "__main__":
    print(json.dumps(score(*sys.argv[1:4]), indent=1))
