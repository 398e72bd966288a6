"""Plain FASTA in and out for the Python tests and benchmarks (no
dependencies): {name: sequence} from a file, and back."""


def read_fasta(path, upper=False):
    """{name: sequence} of a FASTA file (names up to the first space)."""
    seqs, name = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith(">"):
                name = line[1:].split()[0]
                seqs[name] = []
            elif line:
                seqs[name].append(line)
    return {k: "".join(v).upper() if upper else "".join(v) for k, v in seqs.items()}


def write_fasta(path, seqs, width=60):
    """Writes {name: sequence} as FASTA, `width` bases per line."""
    with open(path, "w") as f:
        for name, seq in seqs.items():
            f.write(f">{name}\n")
            for i in range(0, len(seq), width):
                f.write(seq[i:i + width] + "\n")


def read_world(world):
    """A `getps simulate` world's genome {name: sequence}, truth.json and
    regions {chrom: [(start, end), ...] sorted} (what region index i of a
    planted instance refers to)."""
    import json
    import os
    genome = read_fasta(os.path.join(world, "genome.fa"))
    with open(os.path.join(world, "truth.json")) as f:
        truth = json.load(f)
    regions = {}
    with open(os.path.join(world, "peaks.bed")) as f:
        for line in f:
            c, s, e = line.split("\t")[:3]
            regions.setdefault(c, []).append((int(s), int(e)))
    return genome, truth, {c: sorted(r) for c, r in regions.items()}
