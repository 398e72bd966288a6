"""`getps genotypes import` against a simulated world: SNVs planted inside
motif instances, a cohort of five people (homozygous ALT, heterozygous
unphased, heterozygous phased, reference, missing) written as VCF text and
by bcftools as indexed VCF.gz and BCF. The oracle for the homozygous person
is `getps featurize` of the genome with the SNVs edited in: every region of
the chromosome must match it; a heterozygous person must sit halfway."""
import os
import shutil
import subprocess
import tempfile
import unittest

from fasta_io import read_fasta, read_world, write_fasta
from getps_cli import run, world_genes

SAMPLES = ["HOM", "HET", "PHASED", "REF", "MISS"]
CALLS = ["1/1", "0/1", "0|1", "0/0", "./."]
FLOAT_STORE = ["--dtype", "float32", "--background", "uniform", "--quiet"]


def rows(text):
    """{region_id: [floats]} of a `store region` / `genotypes region` table."""
    lines = [l.split("\t") for l in text.splitlines()]
    return {int(r[0]): [float(v) for v in r[2:]] for r in lines[1:]}


def close(a, b, tol=2e-5):
    """Equal to the 6 significant digits `store region` prints."""
    return all(abs(x - y) <= tol * max(1.0, abs(x), abs(y)) for x, y in zip(a, b))


class GenotypesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="getps_genotypes_")
        d = cls.dir
        cls.world = os.path.join(d, "world")
        run("simulate", "--out", cls.world, "--scale", "tiny", "--seed", "3", "--quiet")
        cls.cfg = os.path.join(cls.world, "featurize.cfg")
        cls.store = os.path.join(d, "store")
        run("featurize", "--config", cls.cfg, "--out", cls.store, *FLOAT_STORE)
        genome, truth, regions = read_world(cls.world)
        chr1 = regions["chr1"]
        # One SNV inside a planted instance in each of 8 regions of chr1.
        cls.snvs, used = [], set()
        for k, i, tf, offset in truth["planted"]:
            if k != 0 or i in used or len(cls.snvs) == 8:
                continue
            used.add(i)
            pos = chr1[i][0] + offset + 2  # 0-based
            ref = genome["chr1"][pos].upper()
            cls.snvs.append((pos, ref, "C" if ref != "C" else "A"))
        cls.snvs.sort()
        edited = dict(genome)
        seq = list(edited["chr1"])
        for pos, _, alt in cls.snvs:
            seq[pos] = alt
        edited["chr1"] = "".join(seq)
        cls.edited_fa = os.path.join(d, "edited.fa")
        write_fasta(cls.edited_fa, edited)
        cls.edited_store = os.path.join(d, "edited_store")
        run("featurize", "--config", cls.cfg, "--genome", cls.edited_fa, "--out", cls.edited_store,
            *FLOAT_STORE)
        cls.contigs = [(n, len(s)) for n, s in genome.items()]
        cls.vcf = cls.write_vcf("calls.vcf", cls.snvs, CALLS)
        cls.genotypes = cls.imported(cls.vcf, "g_text")

    @classmethod
    def tearDownClass(cls):
        if not os.environ.get("GETPS_KEEP_TEST_DIR"):
            shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def write_vcf(cls, name, snvs, calls, extra=""):
        path = os.path.join(cls.dir, name)
        with open(path, "w") as f:
            f.write("##fileformat=VCFv4.2\n")
            for n, length in cls.contigs:
                f.write(f"##contig=<ID={n},length={length}>\n")
            f.write('##FILTER=<ID=q10,Description="low quality">\n')
            f.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
            f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(SAMPLES) + "\n")
            for pos, ref, alt, *own in snvs:  # a site may bring its own calls
                f.write(f"chr1\t{pos + 1}\t.\t{ref}\t{alt}\t60\tPASS\t.\tGT\t" + "\t".join(own[0] if own else calls)
                        + "\n")
            f.write(extra)
        return path

    @classmethod
    def imported(cls, vcf, name, *extra):
        out = os.path.join(cls.dir, name)
        run("genotypes", "import", "--config", cls.cfg, "--background", "uniform", "--store", cls.store,
            "--vcf", vcf, "--out", out, "--quiet", *extra)
        return out

    def person(self, genotypes, who, locus="chr1"):
        return rows(run("genotypes", "region", locus, "--genotypes", genotypes, "--store", self.store,
                        "--individual", who).stdout)

    def info(self, genotypes):
        text = run("genotypes", "info", genotypes).stdout
        return {l.split("\t")[0]: int(l.split("\t")[1]) for l in text.splitlines() if "\t" in l}

    def test_homozygous_alt_equals_featurizing_the_edited_genome(self):
        edited = rows(run("store", "region", "chr1", "--store", self.edited_store).stdout)
        reference = rows(run("store", "region", "chr1", "--store", self.store).stdout)
        hom = self.person(self.genotypes, "HOM")
        self.assertEqual(set(hom), set(edited))
        mismatched = [r for r in hom if not close(hom[r], edited[r])]
        self.assertEqual(mismatched, [])
        changed = [r for r in hom if not close(hom[r], reference[r])]
        # The SNVs hit motif instances: most of their regions change.
        self.assertGreaterEqual(len(changed), 4)
        self.assertLessEqual(len(changed), len(self.snvs))
        self.assertEqual(self.info(self.genotypes)["regions_changed"], len(self.snvs))
        print(f"checked: {len(changed)} of {len(self.snvs)} regions with an SNV changed; "
              f"all {len(hom)} chr1 regions equal the edited genome's store")

    def test_heterozygous_is_half_and_reference_or_missing_is_the_reference(self):
        reference = rows(run("store", "region", "chr1", "--store", self.store).stdout)
        hom = self.person(self.genotypes, "HOM")
        for who in ("HET", "PHASED"):
            het = self.person(self.genotypes, who)
            for r in hom:
                half = [ref + 0.5 * (h - ref) for ref, h in zip(reference[r], hom[r])]
                self.assertTrue(close(het[r], half), (who, r))
        for who in ("REF", "MISS"):
            self.assertEqual(self.person(self.genotypes, who), self.person(self.genotypes, "REF"))
            self.assertTrue(all(close(v, reference[r]) for r, v in self.person(self.genotypes, who).items()))
        info = self.info(self.genotypes)
        self.assertEqual(info["calls_missing"], len(self.snvs))
        self.assertEqual(info["alleles_stored"], len(self.snvs))

    def test_all_reference_genotypes_change_nothing(self):
        vcf = self.write_vcf("all_ref.vcf", self.snvs, ["0/0", "0|0", "0/0", "0/0", "./."])
        g = self.imported(vcf, "g_all_ref")
        info = self.info(g)
        self.assertEqual(info["person_rows_changed"], 0)
        self.assertEqual(info["alleles_stored"], len(self.snvs))  # the alleles' own deltas are kept

    def test_bcftools_vcf_gz_and_bcf_give_the_same_features(self):
        if not shutil.which("bcftools"):
            self.skipTest("bcftools missing (launch/setup.sh installs it)")
        gz = os.path.join(self.dir, "calls.vcf.gz")
        bcf = os.path.join(self.dir, "calls.bcf")
        for out, fmt, index in ((gz, "z", "-t"), (bcf, "b", "-c")):
            subprocess.run(["bcftools", "view", "-O", fmt, "-o", out, self.vcf], check=True)
            subprocess.run(["bcftools", "index", index, out], check=True)
        text = self.person(self.genotypes, "HET")
        for path, name in ((gz, "g_gz"), (bcf, "g_bcf")):
            g = self.imported(path, name)
            self.assertEqual(self.person(g, "HET"), text, path)
            self.assertEqual(self.info(g)["person_rows_changed"], self.info(self.genotypes)["person_rows_changed"])

    def test_filters_multiallelic_sites_and_skipped_alleles_are_counted(self):
        pos, ref, alt = self.snvs[0]
        other = "G" if ref != "G" and alt != "G" else "T"
        extra = (f"chr1\t{self.snvs[1][0] + 1}\t.\t{self.snvs[1][1]}\t<DEL>\t60\tPASS\t.\tGT\t0/1\t0/0\t0/0\t0/0\t0/0\n"
                 f"chr2\t11\t.\tN\tA\t3\tq10\t.\tGT\t1/1\t0/0\t0/0\t0/0\t0/0\n")
        snvs = [(pos, ref, f"{alt},{other}", ["1/2", "0/2", "2|1", "0/0", "./."])] + self.snvs[2:]
        vcf = self.write_vcf("mixed.vcf", snvs, CALLS, extra)
        vcf_sorted = os.path.join(self.dir, "mixed_sorted.vcf")
        with open(vcf) as f:
            lines = f.readlines()
        header = [l for l in lines if l.startswith("#")]
        body = sorted((l for l in lines if not l.startswith("#")), key=lambda l: (l.split("\t")[0], int(l.split("\t")[1])))
        with open(vcf_sorted, "w") as f:
            f.writelines(header + body)
        g = self.imported(vcf_sorted, "g_mixed", "--pass-only", "--min-qual", "10")
        info = self.info(g)
        self.assertEqual(info["sites_not_passed"] + info["sites_low_qual"], 1)
        self.assertEqual(info["alleles_symbolic"], 1)
        self.assertEqual(info["alleles_stored"], len(snvs) + 1)  # both ALTs of the first site
        # PHASED is 2|1: one haplotype of each ALT; HET (0/2) has the second ALT once.
        reference = rows(run("store", "region", "chr1", "--store", self.store).stdout)
        het = self.person(g, "HET")
        changed = [r for r in het if not close(het[r], reference[r])]
        self.assertGreaterEqual(len(changed), 3)

    def test_a_persons_training_windows_differ_exactly_at_their_changed_regions(self):
        celltype = run("store", "celltypes", "--store", self.store).stdout.splitlines()[1].split("\t")[0]
        reference = rows(run("store", "region", "chr1", "--store", self.store).stdout)
        hom = self.person(self.genotypes, "HOM")
        changed = {r for r in hom if not close(hom[r], reference[r])}
        seen = set()
        for index in range(1000):
            args = ["store", "window", "--store", self.store, "--celltype", celltype, "--chrom", "chr1",
                    "--index", str(index), "--window-size", "50", "--stride", "50"]
            p = run(*args, check=False)
            if p.returncode != 0:
                self.assertIn("out of range", p.stderr)
                break
            self.assertEqual(run(*args, "--genotypes", self.genotypes, "--individual", "REF").stdout, p.stdout)
            mine = run(*args, "--genotypes", self.genotypes, "--individual", "HOM").stdout
            ref_rows = [l.split("\t") for l in p.stdout.splitlines()[1:]]
            hom_rows = [l.split("\t") for l in mine.splitlines()[1:]]
            for a, b in zip(ref_rows, hom_rows):
                region = int(a[1])
                if region in changed:
                    seen.add(region)
                    self.assertNotEqual(a[3:], b[3:], region)
                else:
                    self.assertEqual(a, b)
        self.assertGreater(index, 0)
        self.assertTrue(seen, "no window held a changed region")

    def test_rescanning_near_the_edits_equals_rescanning_whole_regions(self):
        import random
        rng = random.Random(5)
        genome = read_fasta(os.path.join(self.world, "genome.fa"))["chr1"]
        with open(os.path.join(self.world, "peaks.bed")) as f:
            peaks = sorted((int(s), int(e)) for c, s, e, *_ in (l.split("\t") for l in f) if c == "chr1")
        lines, used = [], set()
        for start, end in peaks[:60]:
            for _ in range(rng.randint(1, 6)):  # SNVs, insertions, deletions; some reach past the ends
                pos = rng.randrange(start - 5, end + 5)
                if pos in used or pos < 1:
                    continue
                used.add(pos)
                kind = rng.random()
                if kind < 0.4:
                    ref = genome[pos]
                    alt = rng.choice([b for b in "ACGT" if b != ref.upper()])
                elif kind < 0.7:
                    ref = genome[pos]
                    alt = ref + "".join(rng.choice("ACGT") for _ in range(rng.randint(1, 8)))
                else:
                    ref = genome[pos:pos + 1 + rng.randint(1, 8)]
                    alt = ref[0]
                calls = [rng.choice(["0|1", "1|0", "1|1", "0/1", "1/1", "0/0"]) for _ in SAMPLES]
                lines.append((pos, ref, alt, calls))
        lines.sort()
        vcf = self.write_vcf("indels.vcf", lines, CALLS)
        local = self.imported(vcf, "g_local")
        whole = self.imported(vcf, "g_whole", "--rescan", "whole")
        for who in SAMPLES:
            self.assertEqual(self.person(local, who), self.person(whole, who), who)
        info = self.info(local)
        self.assertGreater(info["person_rows_changed"], 50)
        self.assertGreater(info["sequences_with_overlapping_calls"], 0)  # deletions over other calls
        print(f"checked: {len(lines)} variants, {info['person_rows_changed']} changed person rows: local = whole")

    def test_per_individual_expression_is_kept_per_person_and_checked_against_the_vcf(self):
        import math
        celltype = run("store", "celltypes", "--store", self.store).stdout.splitlines()[1].split("\t")[0]
        genes = world_genes(self.world)[:10]
        table = os.path.join(self.dir, "people_expression.tsv")
        value = {(g, who): round(0.5 * i + 0.25 * k, 3) for i, g in enumerate(genes) for k, who in enumerate(SAMPLES)}
        with open(table, "w") as f:
            f.write("gene\t" + "\t".join(SAMPLES) + "\tNOT_GENOTYPED\n")
            for g in genes + ["NOT_A_GENE"]:
                f.write(g + "\t" + "\t".join(str(value.get((g, w), 1)) for w in SAMPLES) + "\t7\n")
        for log in (False, True):
            g = self.imported(self.vcf, f"g_expression_{log}", "--expression-individuals", f"{celltype}={table}",
                              *(["--log-expression"] if log else []))
            for gene in genes[:3]:
                text = run("genotypes", "expression", gene, "--genotypes", g, "--store", self.store,
                           "--celltype", celltype).stdout
                got = {l.split("\t")[0]: float(l.split("\t")[1]) for l in text.splitlines()[1:]}
                want = {w: math.log10(value[(gene, w)] + 1) if log else value[(gene, w)] for w in SAMPLES}
                self.assertEqual(set(got), set(SAMPLES))
                for w in SAMPLES:
                    self.assertAlmostEqual(got[w], want[w], places=5)
        info = self.info(g)
        self.assertEqual(info[f"expression_genes_matched:{celltype}"], len(genes))
        self.assertEqual(info[f"expression_genes_unknown:{celltype}"], 1)
        self.assertIn(f"expression   {celltype}", run("genotypes", "info", g).stdout)
        # Another feature store's genes are not these values' genes.
        p = run("genotypes", "expression", genes[0], "--genotypes", g, "--store", self.edited_store,
                "--celltype", celltype, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("was imported against another store", p.stderr)
        # A table without a column for every individual is refused before the VCF is read.
        short = os.path.join(self.dir, "short_expression.tsv")
        with open(short, "w") as f:
            f.write("gene\tHOM\tHET\n" + "".join(f"{g}\t1\t2\n" for g in genes))
        p = run("genotypes", "import", "--config", self.cfg, "--background", "uniform", "--store", self.store,
                "--vcf", self.vcf, "--out", os.path.join(self.dir, "g_short"), "--quiet",
                "--expression-individuals", f"{celltype}={short}", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"{short}: no column for 3 of the 5 individuals of the VCF (PHASED, REF, MISS)", p.stderr)

    def test_bad_input_names_the_file_the_line_and_the_problem(self):
        pos, ref, alt = self.snvs[0]
        wrong = "A" if ref != "A" else "C"
        vcf = self.write_vcf("wrong_ref.vcf", [(pos, wrong, "T" if wrong != "T" else "G")], CALLS)
        p = run("genotypes", "import", "--config", self.cfg, "--background", "uniform", "--store", self.store,
                "--vcf", vcf, "--out", os.path.join(self.dir, "g_bad"), "--quiet", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"{vcf}: line {len(self.contigs) + 5}: REF {wrong} is not the genome's", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "g_bad")))
        # Other motif options than the store's are refused.
        p = run("genotypes", "import", "--config", self.cfg, "--store", self.store, "--vcf", self.vcf,
                "--out", os.path.join(self.dir, "g_bad"), "--quiet", "--pvalue", "1e-3", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("do not reproduce store", p.stderr)
        # A VCF whose chromosomes the store does not have ("1" for "chr1").
        with open(self.vcf) as f:
            text = f.read().replace("##contig=<ID=chr", "##contig=<ID=").replace("\nchr1\t", "\n1\t")
        renamed = os.path.join(self.dir, "renamed.vcf")
        with open(renamed, "w") as f:
            f.write(text)
        p = run("genotypes", "import", "--config", self.cfg, "--background", "uniform", "--store", self.store,
                "--vcf", renamed, "--out", os.path.join(self.dir, "g_bad"), "--quiet", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"{renamed}: none of its {len(self.contigs)} contigs (1, 2", p.stderr)
        self.assertIn("bcftools annotate --rename-chrs", p.stderr)
        p = run("genotypes", "import", "--config", self.cfg, "--background", "uniform", "--store", self.store,
                "--vcf", self.vcf, "--out", self.genotypes, "--quiet", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("exists", p.stderr)


if __name__ == "__main__":
    unittest.main()
