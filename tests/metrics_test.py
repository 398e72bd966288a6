"""worker/metrics against SciPy and NumPy on the same predictions: Pearson,
Spearman (with ties) and R^2, on random data and on edge cases."""
import os
import subprocess
import unittest

import numpy as np
from scipy import stats

HELPER = os.environ["GETPS_METRICS_HELPER"]


def ours(p, o):
    text = "".join(f"{float(a)!r} {float(b)!r}\n" for a, b in zip(p, o))
    out = subprocess.run([HELPER], input=text, capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1]), float(out[2]), float(out[3])


class MetricsAgainstScipy(unittest.TestCase):
    def test_random_sets_with_ties(self):
        rng = np.random.default_rng(3)
        for trial in range(10):
            n = int(rng.integers(5, 3000))
            o = np.round(rng.gamma(2.0, 1.0, n), 1)  # rounded: many ties
            p = np.round(0.7 * o + rng.normal(0, 1, n), 2)
            n_got, pearson, spearman, r2 = ours(p, o)
            self.assertEqual(n_got, n)
            self.assertAlmostEqual(pearson, stats.pearsonr(p, o)[0], places=10)
            self.assertAlmostEqual(spearman, stats.spearmanr(p, o)[0], places=10)
            want_r2 = 1 - np.sum((o - p) ** 2) / np.sum((o - o.mean()) ** 2)
            self.assertAlmostEqual(r2, want_r2, places=10)

    def test_undefined_cases_are_nan(self):
        self.assertTrue(np.isnan(ours([1.0], [2.0])[1]))
        self.assertTrue(np.isnan(ours([1.0, 2.0, 3.0], [5.0, 5.0, 5.0])[1]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
