"""The README's Slurm recipe on a real Slurm: a job array of 3 shards of a sweep plus the merge
job with --dependency=afterany, one running task requeued with `scontrol requeue` half way,
and the merged file compared with a local `--jobs 1` run.

Runs inside scripts/slurm/local-cluster (which starts the single-node cluster and sets
SLURM_CONF); CTest starts it that way. Environment: PRICEWAR_BIN (the binary under test) and
PRICEWAR_SOURCE_DIR. Exit status 0 when every check passes; a failure prints why.
"""

import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

SHARDS = 3
RUNS = 36  # 12 per shard, each run about a quarter of a second of one core


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run(argv, env=None, timeout=60):
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise Failure(f"{' '.join(argv)} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def journal_run_ids(path):
    """Run ids of the intact run records of a sweep journal (docs/hdf5-layout.md)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return set()
    ids = set()
    offset = 8  # magic
    while offset + 12 <= len(data) and data[offset:offset + 4] == b"PWRC":
        (length,) = struct.unpack_from("<I", data, offset + 4)
        if offset + 12 + length > len(data):
            break  # torn last record
        payload = data[offset + 12:offset + 12 + length]
        if payload[:1] == b"R":
            ids.add(struct.unpack_from("<q", payload, 1)[0])
        offset += 12 + length
    return ids


def task_state(job):
    """State of one job or array task as squeue shows it, "" once it has left the queue."""
    return run(["squeue", "-h", "-j", job, "-o", "%T"]).strip()


def wait_until(what, condition, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise Failure(f"timed out after {timeout} s waiting for {what}")


def differences(a, b, skip=("runs/wall_seconds",)):
    """Every group, dataset and attribute of two HDF5 files must match (NaN equals NaN),
    except the datasets in `skip` (only their shapes are compared)."""
    out = []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        def attrs(name, x, y):
            if sorted(x.attrs) != sorted(y.attrs):
                out.append(f"{name}: attributes {sorted(x.attrs)} vs {sorted(y.attrs)}")
                return
            for k in x.attrs:
                # Dimension-scale bookkeeping holds object references, which differ between
                # files by construction; which scale labels which axis is checked through
                # the scales' own values (the datasets named like the dimensions).
                if k in ("DIMENSION_LIST", "REFERENCE_LIST"):
                    continue
                if not np.array_equal(np.asarray(x.attrs[k]), np.asarray(y.attrs[k])):
                    out.append(f"{name}@{k}: {x.attrs[k]!r} vs {y.attrs[k]!r}")

        names_a, names_b = [], []
        fa.visit(names_a.append)
        fb.visit(names_b.append)
        if sorted(names_a) != sorted(names_b):
            out.append(f"objects differ: {sorted(set(names_a) ^ set(names_b))}")
        attrs("/", fa, fb)
        for name in sorted(set(names_a) & set(names_b)):
            x, y = fa[name], fb[name]
            attrs(name, x, y)
            if isinstance(x, h5py.Dataset):
                if x.shape != y.shape:
                    out.append(f"{name}: shape {x.shape} vs {y.shape}")
                    continue
                if name in skip:
                    continue
                u, v = x[()], y[()]
                if u.dtype.kind == "f":
                    same = np.array_equal(u, v, equal_nan=True)
                else:
                    same = np.array_equal(u, v)
                if not same:
                    out.append(f"{name}: values differ")
    return out


def main():
    check("SLURM_CONF" in os.environ, "not inside a Slurm cluster: run me under scripts/slurm/local-cluster")
    binary = os.environ["PRICEWAR_BIN"]
    source = os.environ["PRICEWAR_SOURCE_DIR"]
    check(os.path.exists(binary), f"no pricewar binary at {binary}")
    work = tempfile.mkdtemp(prefix="pricewar-slurm-test.")
    try:
        os.chdir(work)
        with open("sweep.toml", "w") as f:
            f.write(f'scenario = "{source}/scenarios/default.toml"\n'
                    "seed = 19\nreplicates = 18\nturns = 52\n"
                    '[design]\nkind = "factorial"\n'
                    '[[parameter]]\npath = "developers.elasticity.median"\nvalues = [0.9, 1.6]\n'
                    '[set]\n"developers.count" = 30000\n')
        env = dict(os.environ)
        env["PATH"] = os.path.dirname(os.path.abspath(binary)) + os.pathsep + env["PATH"]
        check(shutil.which("pricewar", path=env["PATH"]) is not None, "pricewar is not on PATH")

        # The README's two commands, with this sweep, 3 tasks and the script's path.
        env_sweep = dict(env, SWEEP="sweep.toml", OUT="out")
        started = time.monotonic()
        jobid = run(["sbatch", "--parsable", f"--array=1-{SHARDS}", f"{source}/scripts/slurm/sweep.sbatch"],
                    env=env_sweep).strip().split(";")[0]
        submitted = run(["sbatch", f"--dependency=afterany:{jobid}", "--wrap",
                         "pricewar merge out/shard-*.h5 -o out/sweep.h5"], env=env)
        match = re.search(r"Submitted batch job (\d+)", submitted)
        check(match, f"sbatch printed no job id: {submitted!r}")
        merge_job = match.group(1)
        print(f"array job {jobid} ({SHARDS} tasks), merge job {merge_job}", flush=True)

        # The reference, meanwhile: one local process, one thread.
        reference = subprocess.Popen([binary, "sweep", "sweep.toml", "-o", "local.h5", "--jobs", "1"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        # Task 1, running, with some runs journaled and more to do: requeue it.
        task = f"{jobid}_1"
        journal = "out/shard-1.h5.journal"
        per_shard = RUNS // SHARDS

        def running_with_rows():
            if os.path.exists("out/shard-1.h5"):
                raise Failure("task 1 finished before it could be requeued: the sweep is too short")
            return task_state(task) == "RUNNING" and len(journal_run_ids(journal)) >= 2

        wait_until("task 1 to run and journal 2 runs", running_with_rows, timeout=90)
        before = journal_run_ids(journal)
        run(["scontrol", "requeue", task])
        print(f"requeued {task} with {len(before)} of {per_shard} runs journaled", flush=True)

        # The first attempt ends on Slurm's SIGTERM; the task waits for its restart.
        wait_until("task 1 to be pending again", lambda: task_state(task) in ("PENDING", "REQUEUED"),
                   timeout=60, step=0.2)
        done_at_requeue = journal_run_ids(journal)
        check(before <= done_at_requeue, "runs journaled before the requeue disappeared from the journal")
        check(len(done_at_requeue) < per_shard, "task 1 had finished its shard when it was requeued")

        # Every task and the merge job end.
        wait_until("the array and the merge job to end",
                   lambda: task_state(jobid) == "" and task_state(merge_job) == "", timeout=150, step=0.5)
        print(f"all jobs ended after {time.monotonic() - started:.1f} s", flush=True)
        stderr = reference.communicate(timeout=120)[1]
        check(reference.returncode == 0, f"the local --jobs 1 run exited {reference.returncode}: {stderr}")

        job = run(["scontrol", "show", "job", task])
        check(re.search(r"\bRestarts=1\b", job), f"task 1 was not restarted once:\n{job}")
        check(re.search(r"JobState=COMPLETED", job), f"task 1 did not complete:\n{job}")
        merge = run(["scontrol", "show", "job", merge_job])
        check(re.search(r"JobState=COMPLETED", merge), f"the merge job did not complete:\n{merge}")

        # The log of task 1 (both attempts): stopped by the signal, then resumed from the
        # journal with exactly the runs it held, so none was run twice.
        log_path = f"pricewar-sweep-{jobid}_1.out"
        check(os.path.exists(log_path), f"no log {log_path}")
        log = open(log_path).read()
        m = re.search(r"resuming out/shard-1\.h5\.journal: (\d+) of (\d+) runs already done", log)
        check(m, f"task 1 did not resume from its journal; its log:\n{log}")
        resumed, total = int(m.group(1)), int(m.group(2))
        check(total == per_shard, f"shard 1 plans {total} runs, expected {per_shard}")
        check(resumed == len(done_at_requeue),
              f"resumed with {resumed} runs done, the journal held {len(done_at_requeue)} at the requeue")
        check(0 < resumed < total, f"resumed with {resumed} of {total} runs done")
        check(not os.path.exists(journal), "the journal of shard 1 was left behind")
        print(f"task 1 resumed with {resumed} of {total} runs done", flush=True)

        for i in range(1, SHARDS + 1):
            check(os.path.exists(f"out/shard-{i}.h5"), f"shard {i} was not written")
        check(os.path.exists("out/sweep.h5"), "the merge job wrote no out/sweep.h5")
        diff = differences("local.h5", "out/sweep.h5")
        check(not diff, "the merged file differs from the local run:\n" + "\n".join(diff))
        with h5py.File("out/sweep.h5", "r") as f:
            ids = f["design/run_id"][()]
            check(sorted(ids.tolist()) == list(range(RUNS)), f"run ids {ids.tolist()}")
            check(not np.any(f["runs/status"][()]), "some runs failed")
            check(all(math.isfinite(x) for x in f["runs/wall_seconds"][()]), "a wall time is not finite")
        print(f"merged file equals the local --jobs 1 run ({RUNS} runs)")
        return 0
    except (Failure, subprocess.TimeoutExpired) as e:
        print(f"FAILED: {e}", file=sys.stderr)
        for log in sorted(p for p in os.listdir(work) if p.endswith(".out")):
            print(f"--- {log}:\n{open(os.path.join(work, log)).read()}", file=sys.stderr)
        subprocess.run(["squeue"], check=False)
        return 1
    finally:
        os.chdir("/")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
