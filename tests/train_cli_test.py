"""`getps train` end to end on a tiny simulated world (CPU, small model):
metrics.jsonl and checkpoints are written, weights load with torch.load
under the reference names, a fixed seed reproduces a run bit for bit, a
resumed run continues where it stopped, and a checkpoint of another store is
refused."""
import json
import os
import shutil
import subprocess
import unittest

import torch

from getps_cli import GETPS, records, run, scrape_status, SimulatedStoreTest  # noqa: E402
COMMON = ["--batch-size", "8", "--lr", "0.02", "--leave-out-chromosomes", "chr4", "--quiet"]





class TrainCli(SimulatedStoreTest):
    STORES = [{"seed": "1", "suffix": "1"}, {"seed": "2", "suffix": "2"}]

    def test_finetune_writes_metrics_and_loadable_checkpoints(self):
        out = run("train", "--mode", "finetune", "--store", self.store, "--run-dir", self.path("ft"), "--epochs", "2",
                  *COMMON).stdout
        self.assertIn("held-out Pearson", out)
        recs = records(self.path("ft"))
        self.assertEqual([r["kind"] for r in recs], ["validation", "validation", "test"])
        test = recs[-1]
        self.assertGreater(test["pooled"]["n"], 100)
        self.assertEqual(set(test["per_celltype"]), {f"celltype_{i}" for i in range(4)})
        # Stratified by specificity: the bins partition the pooled entries.
        self.assertEqual(sum(b["pooled"]["n"] for b in test["by_specificity"]), test["pooled"]["n"])
        self.assertTrue(all(b["min"] <= b["max"] for b in test["by_specificity"]))
        # By TSS distance (region centre to TSS): the bins partition them too,
        # and every labelled entry's region holds its TSS, so none is farther
        # than half the widest region (the simulated peaks are under 2 kb).
        by_distance = test["by_tss_distance"]
        self.assertEqual(sum(b["pooled"]["n"] for b in by_distance), test["pooled"]["n"])
        self.assertTrue(all(b["max"] is not None and b["max"] <= 1999 for b in by_distance), by_distance)
        # Every held-out TSS entry is in test_predictions.tsv.
        with open(self.path("ft/test_predictions.tsv")) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0].split("\t"), ["celltype", "region", "strand", "predicted", "observed"])
        self.assertEqual(len(lines) - 1, test["pooled"]["n"])
        best = open(self.path("ft/checkpoints/best")).read().strip()
        sd = torch.load(self.path(f"ft/checkpoints/{best}/model.pt"))
        self.assertIn("encoder.blocks.3.attn.q_bias", sd)
        self.assertEqual(tuple(sd["region_embed.embed.weight"].shape), (128, 17))
        meta = json.load(open(self.path(f"ft/checkpoints/{best}/meta.json")))
        self.assertEqual(meta["mode"], "finetune")

    def test_same_seed_same_run_and_resume_continues(self):
        run("train", "--store", self.store, "--run-dir", self.path("a"), "--epochs", "3", *COMMON)
        run("train", "--store", self.store, "--run-dir", self.path("a2"), "--epochs", "3", *COMMON)
        ra, ra2 = records(self.path("a")), records(self.path("a2"))
        strip = lambda rs: [{k: v for k, v in r.items() if k not in ("time", "throughput")} for r in rs]
        self.assertEqual(strip(ra), strip(ra2))  # same seed: bit-identical on CPU
        # A crash after epoch 2: the newest checkpoint and its records are gone.
        shutil.copytree(self.path("a"), self.path("b"))
        ckpts = sorted(d for d in os.listdir(self.path("b/checkpoints")) if d.startswith("step-"))
        shutil.rmtree(self.path(f"b/checkpoints/{ckpts[-1]}"))
        with open(self.path("b/metrics.jsonl"), "w") as f:
            f.write("".join(json.dumps(r) + "\n" for r in ra[:2]))
        p = run("train", "--store", self.store, "--run-dir", self.path("b"), "--epochs", "3", "--resume", "auto",
                "--batch-size", "8", "--lr", "0.02", "--leave-out-chromosomes", "chr4")
        self.assertIn("resuming from", p.stderr)
        rb = records(self.path("b"))
        self.assertEqual(rb[2]["epoch"], 3)
        self.assertEqual(rb[2]["validation_loss"], ra[2]["validation_loss"])
        self.assertEqual(rb[3]["pooled"], ra[3]["pooled"])

    def test_lora_trains_adapters_only_and_writes_a_merged_state_dict(self):
        run("train", "--store", self.store, "--run-dir", self.path("base"), "--epochs", "1", *COMMON)
        base_best = open(self.path("base/checkpoints/best")).read().strip()
        init = self.path(f"base/checkpoints/{base_best}")
        run("train", "--store", self.store, "--run-dir", self.path("lora"), "--epochs", "1", "--init", init,
            "--lora", r"attn\.(qkv|proj)$", "--lora-rank", "4", *COMMON)
        best = open(self.path("lora/checkpoints/best")).read().strip()
        adapters = torch.load(self.path(f"lora/checkpoints/{best}/adapters.pt"))
        self.assertEqual(len(adapters), 4 * 2 * 2)  # 4 blocks x (qkv, proj) x (A, B)
        self.assertTrue(all(".lora_" in k for k in adapters))
        before = torch.load(os.path.join(init, "model.pt"))
        after = torch.load(self.path(f"lora/checkpoints/{best}/model.pt"))
        self.assertEqual(sorted(before), sorted(after))
        self.assertTrue(torch.equal(before["encoder.blocks.0.attn.qkv.weight"], after["encoder.blocks.0.attn.qkv.weight"]))
        self.assertFalse(torch.equal(before["head_exp.head.weight"], after["head_exp.head.weight"]))
        merged = torch.load(self.path("lora/merged.pt"))
        self.assertEqual(sorted(merged), sorted(before))
        self.assertFalse(torch.equal(merged["encoder.blocks.0.attn.qkv.weight"], before["encoder.blocks.0.attn.qkv.weight"]))

    def test_epoch_records_say_where_the_time_went(self):
        run("train", "--store", self.store, "--run-dir", self.path("tp"), "--epochs", "1", *COMMON)
        (t,) = records(self.path("tp"))[0]["throughput"]
        self.assertEqual(t["replica"], 0)
        self.assertGreater(t["samples_per_s"], 0)
        parts = t["compute_s"] + t["data_wait_s"] + t["communication_s"]
        self.assertLessEqual(parts, t["wall_s"] * 1.001)
        self.assertGreater(t["compute_s"], t["data_wait_s"])  # the prefetcher keeps up on CPU

    def test_bf16_autocast_on_cpu_trains_close_to_fp32(self):
        run("train", "--store", self.store, "--run-dir", self.path("fp32"), "--epochs", "1", *COMMON)
        run("train", "--store", self.store, "--run-dir", self.path("bf16"), "--epochs", "1", "--precision", "bf16",
            *COMMON)
        fp32, bf16 = records(self.path("fp32"))[0], records(self.path("bf16"))[0]
        self.assertNotEqual(fp32["train_loss"], bf16["train_loss"])  # autocast was on
        self.assertAlmostEqual(bf16["train_loss"], fp32["train_loss"], delta=0.05 * fp32["train_loss"])
        p = run("train", "--store", self.store, "--run-dir", self.path("fp16"), "--precision", "fp16", *COMMON,
                check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--precision must be auto, fp32 or bf16", p.stderr)

    def test_init_takes_a_run_directory_and_a_bad_file_is_one_clear_line(self):
        run("train", "--store", self.store, "--run-dir", self.path("i0"), "--epochs", "1", *COMMON)
        loud = [a for a in COMMON if a != "--quiet"]  # "initialised from" is an info line
        p = run("train", "--store", self.store, "--run-dir", self.path("i1"), "--epochs", "1", "--init",
                self.path("i0"), *loud)
        best = open(self.path("i0/checkpoints/best")).read().strip()
        self.assertIn(f"initialised from {self.path('i0/checkpoints/' + best + '/model.pt')}", p.stderr)
        with open(self.path("junk.pt"), "w") as f:
            f.write("not a zip archive\n")
        p = run("train", "--store", self.store, "--run-dir", self.path("i2"), "--init", self.path("junk.pt"),
                *COMMON, check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("junk.pt is not a readable PyTorch state dict", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)  # no C++ backtrace

    def test_resume_refuses_another_store(self):
        run("train", "--store", self.store, "--run-dir", self.path("c"), "--epochs", "1", *COMMON)
        p = run("train", "--store", self.path("store2"), "--run-dir", self.path("c"), "--epochs", "2", "--resume",
                "auto", *COMMON, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("was trained on a store with fingerprint", p.stderr)

    def test_live_progress_over_http(self):
        # --status-port 0: a free port on 127.0.0.1, named in RUN/status.json;
        # /metrics is Prometheus text that follows the run; / is a page.
        import urllib.error
        import urllib.request
        run_dir = self.path("live")
        p = subprocess.Popen([GETPS, "train", "--store", self.store, "--run-dir", run_dir, "--epochs", "30",
                              "--status-port", "0", *COMMON], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            url, text, first = scrape_status(run_dir, lambda m: m.get("getps_step", 0) >= 1)
            self.assertTrue(url.startswith("http://127.0.0.1:"), url)
            self.assertIn("# TYPE getps_step gauge", text)
            self.assertIn(f'getps_step{{run="{run_dir}"}}', text)
            self.assertEqual(first["getps_up"], 1)
            self.assertEqual(first["getps_epochs"], 30)
            self.assertGreater(first["getps_samples_per_second"], 0)
            _, _, later = scrape_status(run_dir, lambda m: m.get("getps_epochs_done", 0) >= 2)
            self.assertGreater(later["getps_step"], first["getps_step"])
            self.assertIn("getps_validation_loss", later)
            with urllib.request.urlopen(url, timeout=5) as r:
                self.assertIn("<h1>getps run</h1>", r.read().decode())
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(url + "nope", timeout=5)
            self.assertEqual(e.exception.code, 404)
            print(f"scraped {url}metrics: step {first['getps_step']:.0f} then {later['getps_step']:.0f}")
        finally:
            p.kill()
            p.wait()

    def test_pretrain_and_the_mlp_baseline_run(self):
        out = run("train", "--mode", "pretrain", "--store", self.store, "--run-dir", self.path("pt"), "--epochs", "1",
                  *COMMON).stdout
        self.assertIn("baseline: feature means", out)
        test = records(self.path("pt"))[-1]
        self.assertIn("masked_mse", test)
        # Masked errors stratified by TSS distance and by specificity: each
        # partitions the same masked region occurrences; promoters (bin
        # "0-99") and distal regions are both present in the simulated world.
        by_distance, by_specificity = test["by_tss_distance"], test["by_specificity"]
        self.assertEqual(sum(b["pooled"]["n"] for b in by_distance), sum(b["pooled"]["n"] for b in by_specificity))
        self.assertGreater(sum(b["pooled"]["n"] for b in by_distance), 0)
        self.assertEqual(by_distance[0]["bin"], "0-99")
        self.assertGreater(len(by_distance), 2)
        # The pooled masked MSE over bins (weighted by occurrences) is close to
        # the headline figure (a mean over batches, so not identical).
        weighted = sum(b["pooled"]["masked_mse"] * b["pooled"]["n"] for b in by_distance) / sum(
            b["pooled"]["n"] for b in by_distance)
        self.assertAlmostEqual(weighted, test["masked_mse"], delta=0.2 * test["masked_mse"])
        run("train", "--model", "mlp", "--store", self.store, "--run-dir", self.path("mlp"), "--epochs", "1", *COMMON)
        p = run("train", "--mode", "pretrain", "--model", "mlp", "--store", self.store, "--run-dir", self.path("x"),
                *COMMON, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot be pretrained", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
