"""Reading a run's audit trail (RUN/epochs.jsonl) in the fault tests: every
epoch's committed ranges must tile its plan, with digests that add up."""
import collections
import json
import os
import time


def audit(run_dir):
    """RUN/epochs.jsonl, grouped by epoch."""
    by_epoch = collections.defaultdict(list)
    with open(os.path.join(run_dir, "epochs.jsonl")) as f:
        for line in f:
            rec = json.loads(line)
            by_epoch[rec["epoch"]].append(rec)
    return by_epoch


def commits(run_dir):
    try:
        with open(os.path.join(run_dir, "epochs.jsonl")) as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def wait_for(predicate, what, timeout=120, job=None):
    """Polls `predicate` until it holds; fails after `timeout` seconds, or at
    once when the process `job` (a Popen) has ended."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        if job is not None and job.poll() is not None:
            raise AssertionError(f"the job ended (exit {job.returncode}) before {what}")
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def assert_nothing_lost_or_doubled(test, run_dir, epochs):
    """Every epoch 1..epochs: ranges tile [0, plan), digests sum to the plan's."""
    by_epoch = audit(run_dir)
    test.assertEqual(sorted(by_epoch), list(range(1, epochs + 1)))
    for epoch, lines in by_epoch.items():
        plan = lines[0]["plan"]
        ranges = sorted((l["from"], l["to"]) for l in lines)
        test.assertEqual(ranges[0][0], 0, f"epoch {epoch}: {ranges}")
        for (_, to), (start, _) in zip(ranges, ranges[1:]):
            test.assertEqual(to, start, f"epoch {epoch}: a gap or an overlap in {ranges}")
        test.assertEqual(ranges[-1][1], plan)
        test.assertEqual(sum(l["committed"] for l in lines), plan)
        total = sum(int(l["digest"], 16) for l in lines) % 2**64
        test.assertEqual(total, int(lines[0]["plan_digest"], 16), f"epoch {epoch}: digests")
    return by_epoch
