"""RNA as users hold it: 10x .h5 and AnnData .h5ad files written here with
h5py from the real PBMC expression (../shared/data/expression) split over
synthetic cells, so that `getps pseudobulk` (and `featurize --rna`) must
reproduce the known per-cell-type values exactly; barcode tables as Seurat
and scanpy export them; several samples with aggr suffixes or prefixes; and
every malformed layout refused with the file, the dataset and what was
expected."""
import csv
import gzip
import math
import os
import resource
import subprocess
import tempfile
import unittest

import h5py
import numpy as np
import scipy.sparse as sp

from getps_cli import GETPS, run

DATA = os.environ.get("GETPS_SHARED_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
CELLTYPES = ["B", "CD4 T", "Mono"]
CELLS = [7, 11, 5]


PBMC = os.path.join(DATA, "expression", "pbmc_rna_tpm.csv")
GTF = os.path.join(DATA, "annotation", "gencode_v29_chr1_head.gtf.gz")


def pbmc_tpm():
    """The real PBMC expression; without ../shared/data (a bare clone), as
    many synthetic genes with log-normal TPMs, so the layouts are still
    tested."""
    if not os.path.exists(PBMC):
        print(f"note: {PBMC} is absent: synthetic TPMs stand in")
        rng = np.random.default_rng(17)
        return [f"GENE{i}" for i in range(36601)], np.round(rng.lognormal(0, 2, 36601), 3)
    with open(PBMC) as f:
        rows = list(csv.reader(f))[1:]
    return [r[0] for r in rows], np.array([float(r[1]) for r in rows])


def split_over_cells(counts, n, rng):
    """counts (genes,) -> (n cells, genes) integer matrix whose rows sum to counts."""
    return rng.multinomial(counts.astype(np.int64), [1.0 / n] * n).T


def log_cpm(counts):
    return np.log10(counts / counts.sum() * 1e6 + 1)


def read_table(path):
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = {}
        for line in f:
            g, *v = line.rstrip("\n").split("\t")
            rows[g] = [float(x) for x in v]
    return header[1:], rows


def write_10x(path, barcodes, names, ids, cells_by_genes, peaks=0):
    """Cell Ranger v3 layout: CSC with one column per barcode; `peaks` extra
    Multiome features of type Peaks carrying counts that must not count."""
    m = sp.csr_matrix(cells_by_genes)  # rows = barcodes: the CSC of features x barcodes
    if peaks:
        m = sp.hstack([m, sp.csr_matrix(np.full((m.shape[0], peaks), 9))]).tocsr()
    types = ["Gene Expression"] * len(names) + ["Peaks"] * peaks
    names = list(names) + [f"chr1:{i}-{i + 500}" for i in range(peaks)]
    ids = list(ids) + names[len(ids):]
    with h5py.File(path, "w") as f:
        g = f.create_group("matrix")
        g["barcodes"] = np.array(barcodes, dtype="S")
        g["data"] = m.data.astype(np.int32)
        g["indices"] = m.indices.astype(np.int64)
        g["indptr"] = m.indptr.astype(np.int64)
        g["shape"] = np.array([len(names), len(barcodes)], dtype=np.int32)
        feats = g.create_group("features")
        feats["name"] = np.array(names, dtype="S")
        feats["id"] = np.array(ids, dtype="S")
        feats["feature_type"] = np.array(types, dtype="S")


def write_frame(group, index, columns=()):
    group.attrs["encoding-type"] = "dataframe"
    group.attrs["_index"] = "_index"
    group["_index"] = np.array(index, dtype=h5py.string_dtype())
    for name, values in columns:
        group[name] = np.array(values, dtype=h5py.string_dtype())


def write_sparse(group, m):
    group.attrs["encoding-type"] = "csr_matrix" if sp.isspmatrix_csr(m) else "csc_matrix"
    group.attrs["shape"] = np.array(m.shape, dtype=np.int64)
    group["data"] = m.data.astype(np.float32)
    group["indices"] = m.indices.astype(np.int32)
    group["indptr"] = m.indptr.astype(np.int64)


def write_h5ad(path, barcodes, names, counts, x="lognorm", layer="counts", gene_ids=None):
    """AnnData: counts in layers/counts (CSR) or raw/X (CSC), X log-normalised
    (CSR) or the counts themselves, dense when x == 'dense'."""
    m = sp.csr_matrix(counts.astype(np.float32))
    with h5py.File(path, "w") as f:
        write_frame(f.create_group("obs"), barcodes)
        write_frame(f.create_group("var"), names, [("gene_ids", gene_ids)] if gene_ids else [])
        if x == "dense":
            f["X"] = counts.astype(np.float32)
        elif x == "counts":
            write_sparse(f.create_group("X"), m)
        else:
            norm = m.multiply(1e4 / np.maximum(m.sum(axis=1), 1)).tocsr()
            norm.data = np.log1p(norm.data)
            write_sparse(f.create_group("X"), norm)
        if layer == "counts":
            write_sparse(f.create_group("layers").create_group("counts"), m)
        elif layer == "raw":
            raw = f.create_group("raw")
            write_sparse(raw.create_group("X"), m.tocsc())
            write_frame(raw.create_group("var"), names)


class RnaInputsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.genes, tpm = pbmc_tpm()
        rng = np.random.default_rng(7)
        # Cell type k's true counts, then the same split over its cells.
        cls.truth = [rng.poisson(tpm * (0.5 + k) * (1 + rng.random(len(tpm)))) for k in range(3)]
        cls.cells = [split_over_cells(c, n, rng) for c, n in zip(cls.truth, CELLS)]
        cls.barcodes = [[f"{'ACGT'[k]}{i:05d}-1" for i in range(n)] for k, n in enumerate(CELLS)]
        cls.expected = {ct: log_cpm(c) for ct, c in zip(CELLTYPES, cls.truth)}
        cls.table = cls.path("seurat_meta.csv")
        # As Seurat's write.csv(meta.data) writes it: row names first, quoted,
        # the cell type a later column, and an unassigned cell (NA).
        with open(cls.table, "w") as f:
            f.write('"","orig.ident","nCount_RNA","seurat_clusters","celltype"\n')
            for k, bcs in enumerate(cls.barcodes):
                for b in bcs:
                    f.write(f'"{b}","pbmc",1000,"{k}","{CELLTYPES[k]}"\n')
            f.write('"TTTTT-1","pbmc",10,"9",NA\n')

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp.name, name)

    def all_cells(self, extra=True):
        """Every cell (plus one unannotated one) as (barcodes, matrix)."""
        bcs = sum(self.barcodes, []) + (["TTTTT-1"] if extra else [])
        m = np.vstack(self.cells + ([np.ones((1, len(self.genes)), dtype=np.int64)] if extra else []))
        return bcs, m

    def pseudobulk(self, rna, *extra, table=None):
        out = self.path(os.path.basename(rna) + ".tsv")
        run("pseudobulk", "--rna", rna, "--barcodes", table or self.table, "--out", out, *extra)
        return read_table(out)

    def assert_reproduces(self, celltypes, rows, expected=None, genes=None):
        expected = expected or self.expected
        self.assertEqual(celltypes, CELLTYPES)
        genes = genes or self.genes
        got = np.array([rows[g] for g in genes])
        want = np.array([expected[ct] for ct in CELLTYPES]).T
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)

    def test_10x_h5_pseudobulk_reproduces_the_known_values(self):
        bcs, m = self.all_cells()
        h5 = self.path("filtered_feature_bc_matrix.h5")
        write_10x(h5, bcs, self.genes, [f"ENSG{i:011d}" for i in range(len(self.genes))], m, peaks=3)
        p = subprocess.run([GETPS, "pseudobulk", "--rna", h5, "--barcodes", self.table, "--out",
                            self.path("10x.tsv")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"{len(bcs)} barcodes, {len(bcs) - 1} in the barcode table", p.stderr)
        self.assertIn("barcode column '', cell type column 'celltype'", p.stderr)
        self.assertIn("skipped 1 barcodes without a cell type", p.stderr)
        self.assert_reproduces(*read_table(self.path("10x.tsv")))

    def test_h5ad_counts_layer_is_found_beside_a_lognormalised_x(self):
        bcs, m = self.all_cells()
        h5ad = self.path("adata_counts.h5ad")
        write_h5ad(h5ad, bcs, self.genes, m, x="lognorm", layer="counts")
        self.assert_reproduces(*self.pseudobulk(h5ad))
        p = run("pseudobulk", "--rna", h5ad, "--barcodes", self.table, "--rna-layer", "X", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"{h5ad} dataset /X/data: expected counts (non-negative integers)", p.stderr)

    def test_h5ad_raw_csc_and_dense_x(self):
        bcs, m = self.all_cells()
        raw = self.path("adata_raw.h5ad")
        write_h5ad(raw, bcs, self.genes, m, x="lognorm", layer="raw")
        self.assert_reproduces(*self.pseudobulk(raw))
        # Dense X of counts over the first 2,000 genes (a dense file of all
        # 36,601 would be large for a test).
        keep = 2000
        dense = self.path("adata_dense.h5ad")
        write_h5ad(dense, bcs, self.genes[:keep], m[:, :keep], x="dense", layer=None)
        expected = {ct: log_cpm(c[:keep]) for ct, c in zip(CELLTYPES, self.truth)}
        self.assert_reproduces(*self.pseudobulk(dense), expected=expected, genes=self.genes[:keep])

    @unittest.skipUnless(os.path.exists(GTF), "../shared/data is absent")
    def test_tpm_with_gtf_lengths_and_genes_matched_by_versioned_id(self):
        gtf = GTF
        names, spans, exons = {}, {}, {}
        with gzip.open(gtf, "rt") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                c = line.rstrip("\n").split("\t")
                attrs = dict(a.strip().split(" ", 1) for a in c[8].split(";") if a.strip())
                gid = attrs["gene_id"].strip('"')
                if c[2] == "gene":
                    names[gid] = attrs["gene_name"].strip('"')
                    spans[gid] = int(c[4]) - int(c[3]) + 1
                if c[2] == "exon":
                    exons.setdefault(gid, []).append((int(c[3]), int(c[4])))
        length = {}
        for gid, iv in exons.items():
            iv.sort()
            total, (s, e) = 0, iv[0]
            for a, b in iv[1:]:
                if a <= e + 1:
                    e = max(e, b)
                else:
                    total, s, e = total + e - s + 1, a, b
            length[gid] = total + e - s + 1
        gids = sorted(names)
        rng = np.random.default_rng(3)
        truth = [rng.integers(0, 500, len(gids)) for _ in CELLTYPES]
        cells = [split_over_cells(c, n, rng) for c, n in zip(truth, CELLS)]
        # var_names are Ensembl IDs with another version than the GTF's.
        var = [g.split(".")[0] + ".99" for g in gids] + ["ENSG_NOT_IN_GTF"]
        m = np.hstack([np.vstack(cells), np.full((sum(CELLS), 1), 5)])
        h5ad = self.path("adata_ids.h5ad")
        write_h5ad(h5ad, sum(self.barcodes, []), var, m, x="counts", layer=None)
        celltypes, rows = self.pseudobulk(h5ad, "--gtf", gtf, "--rna-normalise", "tpm")
        self.assertEqual(celltypes, CELLTYPES)
        lens = np.array([length.get(g, spans[g]) for g in gids], dtype=float)
        for k, ct in enumerate(CELLTYPES):
            rate = truth[k] / lens
            want = np.log10(rate / rate.sum() * 1e6 + 1)
            got = np.array([rows[names[g]][k] for g in gids])
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        p = run("pseudobulk", "--rna", h5ad, "--barcodes", self.table, "--rna-normalise", "tpm", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--rna-normalise tpm needs gene lengths from --gtf", p.stderr)

    @unittest.skipUnless(os.path.exists(GTF), "../shared/data is absent")
    def test_h5ad_categorical_gene_ids_are_matched_to_the_gtf(self):
        # anndata >= 0.8 writes a string column of few values as a categorical
        # group; var_names here are not GTF names, so genes match by ID.
        gtf = GTF
        ids, names = [], []
        with gzip.open(gtf, "rt") as f:
            for line in f:
                c = line.split("\t")
                if len(c) > 8 and c[2] == "gene":
                    ids.append(c[8].split('gene_id "')[1].split('"')[0])
                    names.append(c[8].split('gene_name "')[1].split('"')[0])
        rng = np.random.default_rng(5)
        truth = [rng.integers(0, 300, len(ids)) for _ in CELLTYPES]
        m = np.vstack([split_over_cells(c, n, rng) for c, n in zip(truth, CELLS)])
        h5ad = self.path("categorical.h5ad")
        write_h5ad(h5ad, sum(self.barcodes, []), [f"feature{i}" for i in range(len(ids))], m, x="counts",
                   layer=None)
        with h5py.File(h5ad, "r+") as f:
            g = f["var"].create_group("gene_ids")
            g.attrs["encoding-type"] = "categorical"
            g["categories"] = np.array(sorted(i.split(".")[0] + ".3" for i in ids), dtype=h5py.string_dtype())
            cats = list(g["categories"].asstr()[:])
            g["codes"] = np.array([cats.index(i.split(".")[0] + ".3") for i in ids], dtype=np.int16)
        p = subprocess.run([GETPS, "pseudobulk", "--rna", h5ad, "--barcodes", self.table, "--gtf", gtf, "--out",
                            self.path("categorical.tsv")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"{len(ids)} genes, 0 matched to the annotation by name, {len(ids)} by ID, 0 unmatched",
                      p.stderr)
        celltypes, rows = read_table(self.path("categorical.tsv"))
        self.assertEqual(celltypes, CELLTYPES)
        for k in range(3):
            np.testing.assert_allclose([rows[n][k] for n in names], log_cpm(truth[k]), rtol=1e-12, atol=1e-12)

    def test_two_samples_with_aggr_suffixes_and_with_prefixes(self):
        # Each sample's own matrix spells barcodes with -1; the table tells
        # them apart as aggr does (-1, -2) or by a NAME: prefix.
        half = [c.shape[0] // 2 for c in self.cells]
        files, tables = [], {"suffix": self.path("aggr.tsv"), "prefix": self.path("prefixed.tsv")}
        for s in range(2):
            bcs, rows = [], []
            for k in range(3):
                part = slice(0, half[k]) if s == 0 else slice(half[k], None)
                bcs += self.barcodes[k][part]
                rows.append(self.cells[k][part])
            files.append(self.path(f"sample{s + 1}.h5"))
            write_10x(files[-1], bcs, self.genes, self.genes, np.vstack(rows))
            for style, table in tables.items():
                with open(table, "a") as f:
                    for k in range(3):
                        part = slice(0, half[k]) if s == 0 else slice(half[k], None)
                        for b in self.barcodes[k][part]:
                            b = b[:-2] + f"-{s + 1}" if style == "suffix" else f"s{s + 1}:{b}"
                            f.write(f"{b}\t{CELLTYPES[k]}\n")
        rna = ",".join(files)
        self.assert_reproduces(*self.pseudobulk(rna, table=tables["suffix"]))
        self.assert_reproduces(*self.pseudobulk(rna, "--samples", "s1,s2", "--sample-barcodes", "prefix",
                                                table=tables["prefix"]))
        # Sample 2's file alone against the aggr table: its -1 barcodes are
        # listed there as -2, so nothing matches, and the error says how.
        p = run("pseudobulk", "--rna", files[1], "--barcodes", tables["suffix"], check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"none of the {sum(CELLS) - sum(half)} barcodes of {files[1]}", p.stderr)
        self.assertIn("give --samples or --sample-sheet and --sample-barcodes suffix|prefix", p.stderr)
        # A prefixed table read as suffixed: no barcode ends with -2.
        p = run("pseudobulk", "--rna", rna, "--barcodes", tables["prefix"], check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("no barcode of " + tables["prefix"] + " belongs to sample 2 (expected barcodes ending -2",
                      p.stderr)

    def test_scanpy_csv_and_named_columns(self):
        bcs, m = self.all_cells(extra=False)
        h5 = self.path("scanpy.h5")
        write_10x(h5, bcs, self.genes, self.genes, m)
        scanpy = self.path("obs.csv")
        with open(scanpy, "w") as f:
            f.write("index,n_genes,leiden,my_label\n")
            for k, b in enumerate(bcs):
                ct = next(i for i, group in enumerate(self.barcodes) if b in group)
                f.write(f"{b},100,{ct},{CELLTYPES[ct]}\n")
        celltypes, rows = self.pseudobulk(h5, table=scanpy)
        self.assertEqual(celltypes, ["0", "1", "2"])  # found 'leiden'
        self.assert_reproduces(*self.pseudobulk(h5, "--celltype-column", "my_label", table=scanpy))
        p = run("pseudobulk", "--rna", h5, "--barcodes", scanpy, "--celltype-column", "cell_type", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"{scanpy}:1: no column 'cell_type' (--celltype-column) in the header; it has 'index', "
                      "'n_genes', 'leiden', 'my_label'", p.stderr)

    def test_malformed_files_are_refused_naming_file_dataset_and_expectation(self):
        bcs, m = self.all_cells(extra=False)
        top = np.argsort(-m.sum(axis=0))[:50]  # 50 well-expressed genes: no empty column
        names, m = [self.genes[g] for g in top], m[:10][:, top]
        good = self.path("good.h5")
        write_10x(good, bcs[:10], names, names, m)

        def variant(name, edit):
            path = self.path(name)
            with open(good, "rb") as f, open(path, "wb") as g:
                g.write(f.read())
            with h5py.File(path, "r+") as f:
                edit(f)
            return path

        def replace(f, name, values):
            del f[name]
            f[name] = values

        text = self.path("not_hdf5.h5")
        with open(text, "w") as f:
            f.write("gene,TPM\n")
        other = self.path("other_layout.h5")
        with h5py.File(other, "w") as f:
            f["counts"] = np.zeros(3)
        cases = [
            (text, "not an HDF5 file (expected a 10x .h5 or an AnnData .h5ad)"),
            (other, "neither a 10x matrix (/matrix) nor AnnData (/X, /obs, /var); its top level holds: counts"),
            (variant("no_indices.h5", lambda f: f.__delitem__("matrix/indices")),
             "dataset /matrix/indices: no such dataset"),
            (variant("short_barcodes.h5", lambda f: replace(f, "matrix/barcodes", np.array(bcs[:9], dtype="S"))),
             "dataset /matrix/barcodes: expected 10 entries (the matrix shape is 10 cells x 50 genes), found 9"),
            (variant("short_indptr.h5", lambda f: replace(f, "matrix/indptr", f["matrix/indptr"][:-1])),
             "dataset /matrix/indptr: expected 11 entries (one more than the cells of the shape), found 10"),
            (variant("decreasing.h5", lambda f: f["matrix/indptr"].__setitem__(4, f["matrix/indptr"][2] - 1)),
             "dataset /matrix/indptr: expected never to decrease; entry 4"),
            (variant("negative.h5", lambda f: f["matrix/data"].__setitem__(3, -2)),
             "dataset /matrix/data: expected counts (non-negative integers), found -2"),
            (variant("index.h5", lambda f: f["matrix/indices"].__setitem__(0, 50)),
             "dataset /matrix/indices: index 50 at value 0 is outside 0..49"),
            (variant("types.h5", lambda f: replace(f, "matrix/features/feature_type", np.array(["Gene Expression"], dtype="S"))),
             "dataset /matrix/features/feature_type: expected 50 entries (one per feature name), found 1"),
            (variant("foreign.h5", lambda f: replace(f, "matrix/barcodes", np.array([f"X{i}" for i in range(10)], dtype="S"))),
             "none of the 10 barcodes of " + self.path("foreign.h5") + " (e.g. 'X0') is in the barcode table"),
        ]
        cr2 = self.path("cellranger2.h5")
        with h5py.File(cr2, "w") as f:
            g = f.create_group("GRCh38")
            for name in ("barcodes", "data", "genes", "gene_names", "indices", "indptr", "shape"):
                g[name] = np.zeros(2)
        cases.append((cr2, "the Cell Ranger 2 layout (/GRCh38/genes, gene_names, ...), not read"))
        fractional = self.path("fractional.h5ad")
        write_h5ad(fractional, bcs[:10], names, m + 0.5, x="counts", layer=None)
        cases.append((fractional, "no matrix of counts (/layers/counts absent; /raw/X absent; /X holds "))
        cases.append((fractional, ".5, not a count); pseudobulk needs raw counts"))
        for path, message in cases:
            with self.subTest(file=os.path.basename(path)):
                p = run("pseudobulk", "--rna", path, "--barcodes", self.table, check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(path, p.stderr)
                self.assertIn(message, p.stderr)

    def test_two_samples_featurize_exactly_like_one(self):
        """The simulated world split into two samples (a sample sheet: each
        sample's own fragments and RNA, barcodes spelled -1 in both, told
        apart as aggr does) gives the same store arrays as the one sample."""
        world, one, two = self.path("world"), self.path("one"), self.path("two")
        run("simulate", "--out", world, "--scale", "tiny", "--seed", "2", "--quiet")
        cfg = os.path.join(world, "featurize.cfg")
        run("featurize", "--config", cfg, "--out", one, "--quiet")

        def sample_of(barcode):  # CT<c>-<i>-1: odd cells go to sample 2
            return 2 if int(barcode.split("-")[1]) % 2 else 1
        outs = {k: gzip.open(self.path(f"frag{k}.tsv.gz"), "wt") for k in (1, 2)}
        with gzip.open(os.path.join(world, "fragments.tsv.gz"), "rt") as f:
            for line in f:
                outs[sample_of(line.split("\t")[3])].write(line)
        for o in outs.values():
            o.close()
        with h5py.File(os.path.join(world, "rna.h5")) as f:
            m = sp.csc_matrix((f["matrix/data"][:], f["matrix/indices"][:], f["matrix/indptr"][:]),
                              shape=tuple(f["matrix/shape"][:]))
            bcs = [b.decode() for b in f["matrix/barcodes"][:]]
            names = [x.decode() for x in f["matrix/features/name"][:]]
            types = [x.decode() for x in f["matrix/features/feature_type"][:]]
        for k in (1, 2):
            cols = [i for i, b in enumerate(bcs) if sample_of(b) == k]
            sub = m[:, cols].T.tocsr()
            with h5py.File(self.path(f"rna{k}.h5"), "w") as f:
                g = f.create_group("matrix")
                g["barcodes"] = np.array([bcs[i] for i in cols], dtype="S")
                g["data"], g["indices"], g["indptr"] = sub.data, sub.indices.astype(np.int64), sub.indptr
                g["shape"] = np.array([len(names), len(cols)], dtype=np.int32)
                g.create_group("features")
                g["features/name"] = np.array(names, dtype="S")
                g["features/feature_type"] = np.array(types, dtype="S")
        table = self.path("aggr_barcodes.tsv")
        with open(os.path.join(world, "barcodes.tsv")) as f, open(table, "w") as g:
            g.write(next(f))
            for line in f:
                b, ct = line.split("\t")
                g.write(f"{b[:-2]}-{sample_of(b)}\t{ct}")
        sheet = self.path("sheet.tsv")
        with open(sheet, "w") as f:
            f.write("sample\tfragments\trna\n")
            for k in (1, 2):
                f.write(f"s{k}\tfrag{k}.tsv.gz\trna{k}.h5\n")  # relative to the sheet
        run("featurize", "--config", cfg, "--fragments", "", "--rna", "", "--sample-sheet", sheet,
            "--barcodes", table, "--out", two, "--quiet")
        exports = []
        for store in (one, two):
            out = store + "-export"
            run("store", "export", "--store", store, "--out", out, "--quiet")
            exports.append(out)
        for name in ("features.npy", "expression.npy", "tss_mask.npy", "atac.npy", "region_ids.npy"):
            a, b = (np.load(os.path.join(e, name)) for e in exports)
            np.testing.assert_array_equal(a, b, err_msg=name)
        self.assertGreater(float(np.load(os.path.join(exports[1], "expression.npy")).max()), 0.5)
        tables = [run("store", "celltypes", "--store", s).stdout.splitlines() for s in (one, two)]
        drop_source = lambda rows: [r.split("\t")[:1] + r.split("\t")[2:] for r in rows]
        self.assertEqual(drop_source(tables[0]), drop_source(tables[1]))
        # RNA for one sample of two would leave the other's cells out of the labels.
        partial = self.path("partial_sheet.tsv")
        with open(partial, "w") as f:
            f.write(f"s1\t{self.path('frag1.tsv.gz')}\t{self.path('rna1.h5')}\ns2\t{self.path('frag2.tsv.gz')}\n")
        p = run("featurize", "--config", cfg, "--fragments", "", "--rna", "", "--sample-sheet", partial,
                "--barcodes", table, "--out", self.path("partial"), check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("give every sample its own RNA (1 of 2 have one) or one --rna matrix for all", p.stderr)

    def test_a_100k_cell_anndata_streams_in_well_under_1_gb(self):
        # Densified, this matrix would take 100,000 x 36,601 x 8 B = 29 GB.
        n, genes, per_cell = 100_000, len(self.genes), 40
        rng = np.random.default_rng(11)
        indices = np.sort(rng.integers(0, genes, (n, per_cell)), axis=1)
        m = sp.csr_matrix((np.ones(n * per_cell, dtype=np.float32), indices.ravel(),
                           np.arange(0, n * per_cell + 1, per_cell)), shape=(n, genes))
        m.sum_duplicates()
        bcs = [f"C{i:06d}-1" for i in range(n)]
        big = self.path("big.h5ad")
        with h5py.File(big, "w") as f:
            write_frame(f.create_group("obs"), bcs)
            write_frame(f.create_group("var"), self.genes)
            write_sparse(f.create_group("X"), m)
        table = self.path("big_table.tsv")
        kind = rng.integers(0, 3, n)
        with open(table, "w") as f:
            f.writelines(f"{b}\t{CELLTYPES[k]}\n" for b, k in zip(bcs, kind))
        celltypes, rows = self.pseudobulk(big, table=table)
        # The largest of this process's children so far: this run among them.
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self.assertLess(peak_kb * 1024, 1 << 30)
        for k, ct in enumerate(CELLTYPES):
            sums = np.asarray(m[kind == k].sum(axis=0, dtype=np.float64)).ravel()
            want = np.log10(sums / sums.sum() * 1e6 + 1)
            column = celltypes.index(ct)  # the table's order: first appearance
            np.testing.assert_allclose([rows[g][column] for g in self.genes], want, rtol=1e-9, atol=1e-12)
        print(f"checked: 100,000 cells x {genes} genes pseudobulked with a peak of {peak_kb >> 10} MB")


if __name__ == "__main__":
    unittest.main(verbosity=2)
