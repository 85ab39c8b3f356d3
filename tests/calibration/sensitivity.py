#!/usr/bin/env python3
"""One-at-a-time sensitivity of the stylised facts (docs/calibration.md, section 5).

For each row, copies the seven scenarios of scenarios/china-2024 to a temporary folder,
changes one parameter in every file that has it, runs the in-sample stylised-facts test case
of test_calibration (rules.toml) on the copies (PRICEWAR_CALIBRATION_DIR) and prints one Markdown table row
with the figures the test printed.

    python3 tests/calibration/sensitivity.py BUILD/tests/calibration/test_calibration

Standard library only. Exit status 1 when a substitution matches nothing in rules.toml
(the scenario changed and the row no longer means what it says).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "..", "..", "scenarios", "china-2024")

# (label, [(pattern, replacement), ...]); patterns are multiline regular expressions.
ROWS = [
    ("baseline", []),
    ("kappa 2", [(r"^kappa = 4\.0\b", "kappa = 2.0")]),
    ("kappa 8", [(r"^kappa = 4\.0\b", "kappa = 8.0")]),
    ("elasticity median 1.0", [(r'(elasticity = \{ dist = "lognormal", median = )1\.2,', r"\g<1>1.0,")]),
    ("elasticity median 1.5", [(r'(elasticity = \{ dist = "lognormal", median = )1\.2,', r"\g<1>1.5,")]),
    ("base_usage median 1.0", [(r'(base_usage = \{ dist = "lognormal", median = )0\.5,', r"\g<1>1.0,")]),
    ("quality_weight mean 5 (sd 2)",
     [(r'(quality_weight = \{ dist = "normal", mean = )8\.0, sd = 3\.0,', r"\g<1>5.0, sd = 2.0,")]),
    ("quality_weight mean 12 (sd 4)",
     [(r'(quality_weight = \{ dist = "normal", mean = )8\.0, sd = 3\.0,', r"\g<1>12.0, sd = 4.0,")]),
    ("reevaluate_prob 0.08", [(r"^reevaluate_prob = 0\.15\b", "reevaluate_prob = 0.08")]),
    ("reevaluate_prob 0.3", [(r"^reevaluate_prob = 0\.15\b", "reevaluate_prob = 0.3")]),
    ("switching_cost median 0.5", [(r'(switching_cost = \{ dist = "lognormal", median = )1\.0,', r"\g<1>0.5,")]),
    ("switching_cost median 2", [(r'(switching_cost = \{ dist = "lognormal", median = )1\.0,', r"\g<1>2.0,")]),
    ("cost_decline 0.5", [(r"^cost_decline = 0\.6\b", "cost_decline = 0.5")]),
    ("cost_decline 0.75", [(r"^cost_decline = 0\.6\b", "cost_decline = 0.75")]),
    ("share_floor 0.0005", [(r"share_floor = 0\.001\b", "share_floor = 0.0005")]),
    ("share_floor 0.002", [(r"share_floor = 0\.001\b", "share_floor = 0.002")]),
    ("raise_runway_turns 13", [(r"^raise_runway_turns = 26\b", "raise_runway_turns = 13")]),
    ("raise_runway_turns 39", [(r"^raise_runway_turns = 26\b", "raise_runway_turns = 39")]),
    ("01.AI cash 0.9 bn CNY", [(r'(\[vendors\.01ai\]\nname = "01\.AI"\nkind = "startup"\ncash = )1\.2e9', r"\g<1>9.0e8")]),
    ("01.AI cash 1.6 bn CNY", [(r'(\[vendors\.01ai\]\nname = "01\.AI"\nkind = "startup"\ncash = )1\.2e9', r"\g<1>1.6e9")]),
    ("Doubao Pro band 0.03", [(r"quality_band = 0\.015\b", "quality_band = 0.03")]),
]

FIGURES = {
    "sf1": r"SF1 giants cutting >= 80 %: (\S+) ±",
    "minimax": r"SF2 minimax\s+largest flagship cut: ([\d.]+) %",
    "sf3": r"SF3 total tokens x(\S+) ± \S+\s+average price x(\S+) ± \S+\s+total spend x(\S+) ±",
    "sf5": r"SF5 mean fall within 8 turns: flagship ([\d.]+) % ± \S+, lite ([\d.]+) %",
    "exits": r"SF6 seeds with a startup exit: (\d+) %",
    "alibaba": r"Alibaba developers, 8 turns after the cut / before: x(\S+) ±",
}


def edited_copy(changes, folder):
    for name in sorted(os.listdir(SCENARIOS)):
        if not name.endswith(".toml"):
            continue
        with open(os.path.join(SCENARIOS, name), encoding="utf-8") as f:
            text = f.read()
        for pattern, replacement in changes:
            text, n = re.subn(pattern, replacement, text, flags=re.MULTILINE)
            if name == "rules.toml" and n == 0:
                raise SystemExit(f"'{pattern}' matches nothing in rules.toml")
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(text)


def measure(binary, folder):
    env = dict(os.environ, PRICEWAR_CALIBRATION_DIR=folder)
    out = subprocess.run([binary, "-tc=stylised facts of the 2024*"], env=env, capture_output=True, text=True).stdout
    found = {}
    for key, pattern in FIGURES.items():
        m = re.search(pattern, out)
        found[key] = m.groups() if m else None
    found["passed"] = "Status: SUCCESS!" in out
    return found


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    print("| change (all else baseline) | SF2 MiniMax mean cut | SF3 tokens / price / spend | "
          "SF6 seeds with an exit | Alibaba developers | SF1 giants | SF5 flagship / lite | "
          "every asserted fact holds |")
    print("|---|---|---|---|---|---|---|---|")
    for label, changes in ROWS:
        folder = tempfile.mkdtemp(prefix="pricewar-sensitivity-")
        try:
            edited_copy(changes, folder)
            f = measure(binary, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

        def show(key, fmt):
            return fmt.format(*f[key]) if f[key] else "?"

        print(f"| {label} | {show('minimax', '{} %')} | {show('sf3', 'x{} / x{} / x{}')} | "
              f"{show('exits', '{} %')} | {show('alibaba', 'x{}')} | {show('sf1', '{}')} | "
              f"{show('sf5', '{} % / {} %')} | {'yes' if f['passed'] else 'no'} |", flush=True)


if __name__ == "__main__":
    main()
