#!/usr/bin/python3
"""Runs the pricewar command on every file of the bad-input catalogue and checks that each is
rejected cleanly.

usage: check_bad_inputs.py PRICEWAR CATALOGUE_DIR [--timeout SECONDS] [FILE...]

Every `*.toml` directly in CATALOGUE_DIR (subfolders hold helper files such as valid base
scenarios) starts with

    # expect: KEY-SUBSTRING | MESSAGE-SUBSTRING

and may follow it with

    # expect-file: RELATIVE-PATH   (the error is in another file, e.g. a sweep's base scenario)
    # at: LINE:COL                 (the exact position the error must point at)

Each file is given to `pricewar validate FILE` and to `pricewar run FILE -o OUT` (files named
`sweep-*` to `pricewar sweep FILE -o OUT`), from CATALOGUE_DIR. Both must:

- exit with status 2 (not killed by a signal, within the timeout);
- print nothing on stdout and exactly one line on stderr,
  `FILE:LINE:COL: KEY: problem`, where FILE is the file given (or the expect-file),
  LINE >= 1 and COL >= 1 (except `(file)` errors of unreadable files), KEY contains
  KEY-SUBSTRING and problem contains MESSAGE-SUBSTRING;
- leave the output folder empty (no output, journal or temporary file);
- print the same line (validate and run/sweep read the file the same way).

FILE arguments restrict the check to those catalogue files. Exit status 0 when every file
passes, 1 otherwise.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

EXPECT = re.compile(r"^# expect: (.*?) \|(?: (.*))?$")
EXPECT_FILE = re.compile(r"^# expect-file: (.+)$")
AT = re.compile(r"^# at: (\d+):(\d+)$")


class Case:
    def __init__(self, catalogue, name):
        self.name = name
        self.path = os.path.join(catalogue, name)
        self.key = None
        self.message = None
        self.error_file = name
        self.at = None
        self.problems = []
        with open(self.path, "rb") as f:
            lines = f.read().decode("utf-8", errors="replace").split("\n")
        m = EXPECT.match(lines[0].rstrip("\r"))
        if not m:
            self.problems.append("first line is not '# expect: KEY-SUBSTRING | MESSAGE-SUBSTRING'")
            return
        self.key = m.group(1).strip()
        self.message = (m.group(2) or "").strip()
        for line in lines[1:]:
            line = line.rstrip("\r")
            if not line.startswith("#"):
                break
            if m := EXPECT_FILE.match(line):
                self.error_file = os.path.normpath(os.path.join(os.path.dirname(name), m.group(1).strip()))
            elif m := AT.match(line):
                self.at = (int(m.group(1)), int(m.group(2)))

    @property
    def is_sweep(self):
        return self.name.startswith("sweep-")


def run_one(pricewar, catalogue, case, args, timeout):
    """Runs one command; returns (problems, stderr line or None, seconds)."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="pricewar-bad-input-") as out_dir:
        cmd = [pricewar] + [a.replace("{OUT}", os.path.join(out_dir, "out.h5")) for a in args]
        label = " ".join(["pricewar"] + cmd[1:2] + [case.name] + (["-o", "OUT"] if "-o" in args else []))
        t0 = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=catalogue, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return [f"{label}: no answer within {timeout} s"], None, timeout
        seconds = time.monotonic() - t0
        stderr = proc.stderr.decode("utf-8", errors="replace")
        stdout = proc.stdout.decode("utf-8", errors="replace")
        if proc.returncode < 0:
            problems.append(f"{label}: killed by signal {-proc.returncode}; stderr: {stderr.strip()[-2000:]}")
            return problems, None, seconds
        if proc.returncode != 2:
            problems.append(f"{label}: exit status {proc.returncode}, expected 2")
        if stdout:
            problems.append(f"{label}: printed on stdout: {stdout.strip()[:300]!r}")
        lines = stderr.split("\n")
        line = None
        if len(lines) != 2 or lines[1] != "" or lines[0] == "":
            problems.append(f"{label}: expected exactly one line on stderr, got {stderr!r}")
        else:
            line = lines[0]
            problems += check_line(label, case, line)
        left = sorted(os.listdir(out_dir))
        if left:
            problems.append(f"{label}: left in the output folder: {', '.join(left)}")
        return problems, line, seconds


def check_line(label, case, line):
    prefix = case.error_file + ":"
    if not line.startswith(prefix):
        return [f"{label}: error line does not start with '{prefix}': {line}"]
    m = re.match(r"^(\d+):(\d+): (.*?): (.*)$", line[len(prefix):])
    if not m:
        return [f"{label}: error line is not FILE:LINE:COL: KEY: problem: {line}"]
    ln, col, key, problem = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
    problems = []
    if key != "(file)" and (ln < 1 or col < 1):
        problems.append(f"{label}: position {ln}:{col} is not in the file: {line}")
    if case.at is not None and (ln, col) != case.at:
        problems.append(f"{label}: position {ln}:{col}, expected {case.at[0]}:{case.at[1]}: {line}")
    if case.key not in key:
        problems.append(f"{label}: key '{key}' does not contain '{case.key}': {line}")
    if case.message not in problem:
        problems.append(f"{label}: problem does not contain '{case.message}': {line}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pricewar")
    parser.add_argument("catalogue")
    parser.add_argument("files", nargs="*")
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--verbose", "-v", action="store_true", help="print every error line")
    opts = parser.parse_args()
    pricewar = os.path.abspath(opts.pricewar)
    catalogue = os.path.abspath(opts.catalogue)

    names = sorted(n for n in os.listdir(catalogue)
                   if n.endswith(".toml") and os.path.isfile(os.path.join(catalogue, n)))
    if opts.files:
        wanted = {os.path.basename(f) for f in opts.files}
        missing = wanted - set(names)
        if missing:
            print(f"not in the catalogue: {', '.join(sorted(missing))}", file=sys.stderr)
            return 1
        names = [n for n in names if n in wanted]
    if not names:
        print(f"no *.toml files in {catalogue}", file=sys.stderr)
        return 1

    failed = 0
    slowest = (0.0, "")
    for name in names:
        case = Case(catalogue, name)
        problems = list(case.problems)
        if not problems:
            second = ["sweep", name, "-o", "{OUT}"] if case.is_sweep else ["run", name, "-o", "{OUT}"]
            seen = []
            for args in (["validate", name], second):
                p, line, seconds = run_one(pricewar, catalogue, case, args, opts.timeout)
                problems += p
                seen.append(line)
                slowest = max(slowest, (seconds, f"{args[0]} {name}"))
                if opts.verbose and line is not None:
                    print(f"   {args[0]:8s} {line}")
            if None not in seen and seen[0] != seen[1]:
                problems.append(f"validate and {second[0]} disagree:\n      {seen[0]}\n      {seen[1]}")
        if problems:
            failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     {p}")
        else:
            print(f"ok   {name}")
    print(f"\n{len(names) - failed} of {len(names)} bad inputs rejected correctly; "
          f"slowest command {slowest[0]:.2f} s ({slowest[1]})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
