"""Writes the intake of every case in tests/cases/*.yaml (or the files
given) to OUT/NNNN.yaml, in file and case order, read as partnerfit reads
intakes (YAML 1.2 core, tests/tools/yaml12.py), and prints how many.

  case_intakes.py OUT [CASES.yaml...]
"""
import glob
import os
import sys

import yaml

from yaml12 import Core12


def main():
    out, files = sys.argv[1], sys.argv[2:] or sorted(glob.glob("tests/cases/*.yaml"))
    os.makedirs(out, exist_ok=True)
    n = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=Core12) or {}
        for case in doc.get("cases", []):
            n += 1
            with open(os.path.join(out, "%04d.yaml" % n), "w", encoding="utf-8") as f:
                yaml.safe_dump(case["intake"], f, sort_keys=False, allow_unicode=True)
    print(n, "calibration intakes")


if __name__ == "__main__":
    main()
