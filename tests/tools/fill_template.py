"""Fills a blank intake template (partnerfit template) with the answers of
an intake, as a consultant would: each answer written after its question's
colon (a list or a map as one flow value), a section the intake does not
answer at all deleted. Usage: fill_template.py TEMPLATE INTAKE > FILLED"""
import json
import re
import sys

import yaml

with open(sys.argv[2], encoding="utf-8-sig") as f:
    answers = yaml.load(f, Loader=yaml.BaseLoader)  # every scalar as text, as partnerfit reads it
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
KEY = re.compile(r"^( *)([A-Za-z0-9_]+):$")


def indent_of(line):
    return len(line) - len(line.lstrip(" "))


def is_section(i):
    """A key whose next answer line is indented further holds questions."""
    for line in lines[i + 1:]:
        if line.strip() and not line.lstrip().startswith("#"):
            return indent_of(line) > indent_of(lines[i])
    return False


out, stack, drop = [], [], None
for i, line in enumerate(lines):
    m = KEY.match(line)
    if drop is not None:
        if not m or indent_of(line) > drop:
            if not m and (not line.strip() or indent_of(line) <= drop):
                pass
            else:
                continue
        else:
            drop = None
    if not m:
        if line.strip() and not line.lstrip().startswith("#"):
            sys.exit("unexpected template line: " + line)
        out.append(line)
        continue
    ind, key = len(m.group(1)), m.group(2)
    while stack and stack[-1][0] >= ind:
        stack.pop()
    parent = answers
    for _, k in stack:
        parent = parent.get(k, {}) if isinstance(parent, dict) else {}
    value = parent.get(key) if isinstance(parent, dict) else None
    if is_section(i):
        if value is None:
            drop = ind  # a section this intake does not answer: deleted
            continue
        stack.append((ind, key))
        out.append(line)
    elif value is None:
        out.append(line)  # left blank: not given
    else:
        out.append(line + " " + json.dumps(value, ensure_ascii=False))
sys.stdout.write("\n".join(out))
