"""`getps variant-effect` on a tiny simulated world with a quickly trained
model (issue 21):
- each allele of the VCF gets rows: scored ones per (cell type, gene whose
  window holds its region), the others a status (outside_regions,
  too_long, symbolic, other_chromosome, and each ALT of a multi-allelic
  site apart);
- ref_pred and alt_pred equal the PyTorch reference model (get_reference.py)
  on the gene's reference window and on the window of a person homozygous
  for that allele alone, as `getps store gene --genotypes` prints it from a
  `getps genotypes import` of the same VCF: an independent path through the
  overlay;
- the genes scored are exactly those whose window holds the region;
- delta, percent and the motif features changed are consistent."""
import csv
import os
import sys
import unittest

import torch

from fasta_io import read_world
from getps_cli import run, SimulatedStoreTest, train_one_epoch, world_genes

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from get_reference import best_of_run  # noqa: E402

CELLTYPES = ["celltype_1", "celltype_2"]


def window_of(store, gene, celltype, *extra):
    """`store gene`'s window: the region loci in order, the model input, the
    gene's row and strand."""
    text = run("store", "gene", gene, "--store", store, "--celltype", celltype, *extra).stdout
    head = text.splitlines()[0]  # "# gene G (- strand, TSS ...) in region ..., row N of the window"
    strand = head.split("(")[1][0]
    row = int(head.split(", row ")[1].split()[0])
    lines = [line.split("\t") for line in text.splitlines() if not line.startswith("#")]
    cols, body = lines[0], lines[1:]
    start, end = cols.index("locus") + 1, cols.index("accessibility") + 1
    return [r[cols.index("locus")] for r in body], [[float(v) for v in r[start:end]] for r in body], row, strand


class VariantEffect(SimulatedStoreTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_dir = cls.path("run")
        train_one_epoch(cls.store, cls.run_dir)
        cls.model = best_of_run(cls.run_dir)
        cls.cfg = os.path.join(cls.world, "featurize.cfg")
        genome, truth, regions = read_world(cls.world)
        chr1 = regions["chr1"]
        chr1_seq = genome["chr1"]
        # SNVs inside planted instances of chr1 regions (they change motifs).
        sites, used = [], set()
        for k, i, tf, offset in truth["planted"]:
            if k != 0 or i in used or len(sites) == 4:
                continue
            used.add(i)
            pos = chr1[i][0] + offset + 2
            ref = chr1_seq[pos].upper()
            sites.append((pos, ref, ["C" if ref != "C" else "A"], "scored"))
        # A site with two ALTs, in a planted instance: one row set per ALT.
        k, i, tf, offset = next(p for p in truth["planted"] if p[0] == 0 and p[1] not in used)
        pos = chr1[i][0] + offset + 3
        ref = chr1_seq[pos].upper()
        sites.append((pos, ref, [b for b in "ACGT" if b != ref][:2], "scored"))
        # Between two regions; a 60 bp deletion; a symbolic allele.
        gap = (chr1[10][1] + chr1[11][0]) // 2
        sites.append((gap, chr1_seq[gap].upper(), ["G" if chr1_seq[gap].upper() != "G" else "T"],
                      "outside_regions"))
        start = chr1[20][0] + 10
        sites.append((start, chr1_seq[start:start + 61].upper(), [chr1_seq[start].upper()], "too_long"))
        sites.append((chr1[30][0] + 5, chr1_seq[chr1[30][0] + 5].upper(), ["<DEL>"], "symbolic"))
        sites.sort()
        cls.sites = sites
        # One person per allele, homozygous for it alone (the oracle's windows).
        cls.alleles = [(pos, ref, alt, want) for pos, ref, alts, want in sites for alt in alts]
        people = [f"P{n}" for n in range(len(cls.alleles))]
        cls.vcf = cls.path("variants.vcf")
        with open(cls.vcf, "w") as f:
            f.write("##fileformat=VCFv4.2\n")
            for name, seq in genome.items():
                f.write(f"##contig=<ID={name},length={len(seq)}>\n")
            f.write("##contig=<ID=chrZ,length=1000>\n")
            f.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
            f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(people) + "\n")
            n = 0
            for pos, ref, alts, _ in sites:
                calls = []
                for p in range(len(people)):
                    allele = p - n + 1 if n <= p < n + len(alts) else 0
                    calls.append(f"{allele}/{allele}")
                n += len(alts)
                f.write(f"chr1\t{pos + 1}\t.\t{ref}\t{','.join(alts)}\t60\tPASS\t.\tGT\t" + "\t".join(calls) + "\n")
            f.write("chrZ\t10\t.\tA\tG\t60\tPASS\t.\tGT\t" + "\t".join(["0/0"] * len(people)) + "\n")
        cls.alleles.append((9, "A", "G", "other_chromosome"))
        cls.people = people
        # Genes near the sites, so the windows hold them; and a far one.
        cls.genes = world_genes(cls.world, "chr1")[:12]
        cls.out = cls.path("effects.tsv")
        run("variant-effect", "--config", cls.cfg, "--checkpoint", cls.run_dir, "--store", cls.store,
            "--vcf", cls.vcf, "--celltype", ",".join(CELLTYPES), "--genes", ",".join(cls.genes),
            "--out", cls.out, "--quiet", "--batch-size", "3")
        with open(cls.out) as f:
            cls.rows = list(csv.DictReader(f, delimiter="\t"))
        cls.genotypes = cls.path("people")
        run("genotypes", "import", "--config", cls.cfg, "--store", cls.store, "--vcf", cls.vcf,
            "--out", cls.genotypes, "--quiet")

    def rows_of(self, pos, alt):
        return [r for r in self.rows if r["pos"] == str(pos + 1) and r["alt"] == alt]

    def predict(self, x, row, strand):
        with torch.no_grad():
            out = self.model(torch.tensor(x).unsqueeze(0))["expression"]
        return out[0, row, 0 if strand == "+" else 1].item()

    def test_every_allele_has_rows_or_a_status_in_each_cell_type(self):
        self.assertEqual(len({(r["pos"], r["alt"]) for r in self.rows}), len(self.alleles))
        for pos, ref, alt, want in self.alleles:
            rows = self.rows_of(pos, alt)
            self.assertEqual({r["celltype"] for r in rows}, set(CELLTYPES), (pos, alt))
            statuses = {r["status"] for r in rows}
            if want == "scored":
                # In a region: scored where a window holds it, unless the SNV
                # changes no motif score after all.
                self.assertLessEqual(statuses, {"scored", "region_not_accessible", "in_no_gene_window",
                                                "no_motif_change"}, (pos, alt))
                if "no_motif_change" in statuses:
                    self.assertTrue(all(r["features_changed"] == "." for r in rows))
            else:
                self.assertEqual(statuses, {want}, (pos, alt))
                self.assertTrue(all(r["gene"] == "." and r["delta"] == "." for r in rows))
        scored = [r for r in self.rows if r["status"] == "scored"]
        self.assertGreaterEqual(len({(r["pos"], r["alt"]) for r in scored}), 3)
        print(f"checked: {len(self.rows)} rows, {len(scored)} scored, for {len(self.alleles)} alleles")

    def test_predictions_equal_the_reference_model_on_the_persons_window(self):
        person_of = {(pos, alt): self.people[n] for n, (pos, _, alt, _) in enumerate(self.alleles[:-1])}
        checked = 0
        for r in [r for r in self.rows if r["status"] == "scored"][:12]:
            gene, ct = r["gene"], r["celltype"]
            loci, ref_x, row, strand = window_of(self.store, gene, ct)
            person = person_of[(int(r["pos"]) - 1, r["alt"])]
            loci_alt, alt_x, _, _ = window_of(self.store, gene, ct, "--genotypes", self.genotypes,
                                              "--individual", person)
            self.assertEqual(loci, loci_alt)
            self.assertIn(r["region"], loci)
            self.assertNotEqual(ref_x, alt_x)
            self.assertAlmostEqual(self.predict(ref_x, row, strand), float(r["ref_pred"]), delta=1e-4)
            self.assertAlmostEqual(self.predict(alt_x, row, strand), float(r["alt_pred"]), delta=1e-4)
            checked += 1
        self.assertGreater(checked, 0)
        print(f"checked: {checked} scored rows against the reference model on the person's window")

    def test_the_genes_scored_are_those_whose_window_holds_the_region(self):
        windows = {(g, ct): set(window_of(self.store, g, ct)[0]) for g in self.genes for ct in CELLTYPES}
        for pos, ref, alt, want in self.alleles:
            if want != "scored":
                continue
            for ct in CELLTYPES:
                rows = [r for r in self.rows_of(pos, alt) if r["celltype"] == ct]
                region = rows[0]["region"]
                if rows[0]["status"] == "no_motif_change":
                    continue
                holding = {g for g in self.genes if region in windows[(g, ct)]}
                scored = {r["gene"] for r in rows if r["status"] == "scored"}
                self.assertEqual(scored, holding, (pos, alt, ct, region))
                if not scored:
                    self.assertIn(rows[0]["status"], {"region_not_accessible", "in_no_gene_window"})

    def test_delta_percent_and_features_are_consistent(self):
        features = run("store", "info", "--store", self.store).stdout
        for r in self.rows:
            if r["status"] != "scored":
                continue
            ref, alt, delta = float(r["ref_pred"]), float(r["alt_pred"]), float(r["delta"])
            self.assertAlmostEqual(delta, alt - ref, delta=1e-5)
            self.assertAlmostEqual(float(r["percent"]), 100 * (10 ** delta - 1), delta=1e-3)
            changed = r["features_changed"].split(",")
            self.assertGreater(len(changed), 0)
            values = [abs(float(c.rsplit(":", 1)[1])) for c in changed]
            self.assertEqual(values, sorted(values, reverse=True))
            self.assertGreater(values[0], 0)
            # The estimate from the gradient has the sign of a clear effect.
            if abs(delta) > 1e-3:
                self.assertGreater(float(r["grad_x_delta"]) * delta, 0, r)
        self.assertIn("features", features)


if __name__ == "__main__":
    unittest.main()
