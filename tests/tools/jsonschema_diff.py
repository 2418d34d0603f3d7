"""Differential check of partnerfit's intake validation against a real JSON
Schema validator (python3-jsonschema) over the same files.

  jsonschema_diff.py SCHEMA.json REJECTS.csv EXPECTED.txt FILE...

REJECTS.csv is what `partnerfit run` wrote for exactly these FILEs.
Each file gets two verdicts. partnerfit: valid (not in rejects.csv),
invalid (only schema.* problems) or out-of-scope (a problem of the reader
or of the batch: duplicate keys, invisible characters, anchors, a
duplicate id..., which a JSON Schema cannot express). The validator: the
file read as YAML 1.2 (core schema, as the YAML language server reads it),
then valid, invalid (any of its documents) or unreadable (no YAML).

EXPECTED.txt lists the known disagreements, one per line:
  BASENAME PF_VERDICT JSON_VERDICT
Exit 1 when a file disagrees and is not listed, or is listed and agrees
(or disagrees otherwise): the documented differences stay true.
"""
import csv
import json
import sys

import jsonschema
import yaml

from yaml12 import Core12


def json_verdict(validator, path):
    try:
        with open(path, "rb") as f:
            docs = list(yaml.load_all(f, Loader=Core12))
    except Exception:  # not YAML, not UTF-8, an alias loop...
        return "unreadable", ""
    if not docs:
        return "unreadable", "no document"
    for doc in docs:  # a bulk file: each document is an intake
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            return "invalid", "/".join(str(p) for p in e.path) + ": " + e.message[:100]
    return "valid", ""


def main():
    schema_path, rejects_path, expected_path, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    checker = getattr(cls, "FORMAT_CHECKER", None) or jsonschema.draft202012_format_checker
    validator = cls(schema, format_checker=checker)

    kinds = {}
    with open(rejects_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            kinds.setdefault(row["file"], set()).add(row["kind"])
    expected = {}
    with open(expected_path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if line:
                expected[line[0]] = (line[1], line[2])

    counts, problems = {}, []
    for path in files:
        k = kinds.get(path, set())
        if not k:
            pf = "valid"
        elif all(x.startswith("schema.") for x in k):
            pf = "invalid"
        else:
            pf = "out-of-scope"
        js, why = json_verdict(validator, path)
        counts[(pf, js)] = counts.get((pf, js), 0) + 1
        name = path.rsplit("/", 1)[-1]
        agree = pf == js or pf == "out-of-scope"
        if name in expected:
            if (pf, js) != expected[name]:
                problems.append("%s: listed as partnerfit %s / JSON Schema %s, but is %s / %s %s"
                                % (path, *expected[name], pf, js, why))
        elif not agree:
            problems.append("%s: partnerfit %s (%s), JSON Schema %s %s"
                            % (path, pf, ",".join(sorted(k)) or "-", js, why))
    for (pf, js), n in sorted(counts.items()):
        print("%5d  partnerfit %-12s JSON Schema %s" % (n, pf, js))
    for p in problems:
        print("DISAGREE " + p)
    return 1 if problems else 0


sys.exit(main())
