"""Reference for the scan benchmark and the scan correctness test: MOODS
(MOODS-python) on a FASTA's first sequence with MEME motif files, the same
definitions getps uses (log-odds with natural log, pseudocount, background,
threshold_from_p), both strands. Prints timings; with --out, writes the
matches as TSV (motif, start, end, strand, score, threshold).

  python moods_scan.py GENOME.fa MOTIFS.meme[,...] [--pvalue 1e-4]
                       [--background A,C,G,T] [--out TSV]
"""
import argparse
import sys
import time

import MOODS.parsers  # noqa: F401  (imported for its side effect of loading the C module)
import MOODS.scan
import MOODS.tools


def read_fasta(path):
    name, parts = None, []
    with open(path) as f:
        for line in f:
            if line.startswith(">"):
                if name is not None:
                    break
                name = line[1:].split()[0]
            else:
                parts.append(line.strip())
    return name, "".join(parts)


def read_meme(path):
    motifs, cur, rows = [], None, 0
    with open(path) as f:
        for line in f:
            t = line.strip()
            if rows:
                if t:
                    motifs[-1][1].append([float(x) for x in t.split()])
                    rows -= 1
                continue
            if t.startswith("MOTIF"):
                motifs.append((t.split()[1], []))
            elif t.startswith("letter-probability matrix"):
                rows = int(t.split("w=")[1].split()[0])
    out = []
    for name, probs in motifs:
        # MOODS matrices are letters x positions.
        out.append((name, [[row[b] / sum(row) for row in probs] for b in range(4)]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("genome")
    ap.add_argument("motifs")
    ap.add_argument("--pvalue", type=float, default=1e-4)
    ap.add_argument("--pseudocount", type=float, default=0.01)
    ap.add_argument("--background", default="0.25,0.25,0.25,0.25")
    ap.add_argument("--out")
    a = ap.parse_args()
    _, seq = read_fasta(a.genome)
    motifs = [m for f in a.motifs.split(",") if f for m in read_meme(f)]
    bg = [float(x) for x in a.background.split(",")]
    t0 = time.perf_counter()
    mats, names, strands = [], [], []
    for name, m in motifs:
        lo = MOODS.tools.log_odds(m, bg, a.pseudocount)
        mats += [lo, MOODS.tools.reverse_complement(lo)]
        names += [name, name]
        strands += ["+", "-"]
    thresholds = [MOODS.tools.threshold_from_p(m, bg, a.pvalue) for m in mats]
    t_thr = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = MOODS.scan.scan_dna(seq, mats, bg, thresholds, 7)
    t_scan = time.perf_counter() - t0
    n = sum(len(r) for r in results)
    print(f"moods: {len(seq)} bp, {len(motifs)} motifs ({len(mats)} matrices): thresholds {t_thr:.2f} s, "
          f"scan {t_scan:.3f} s (1 core), {n} matches, "
          f"{len(seq) * len(motifs) / t_scan:.3g} bp x motif/s")
    if a.out:
        with open(a.out, "w") as f:
            for i, r in enumerate(results):
                w = len(mats[i][0])
                for x in r:
                    f.write(f"{names[i]}\t{x.pos}\t{x.pos + w}\t{strands[i]}\t{x.score:.6f}\t{thresholds[i]:.6f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
