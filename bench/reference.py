#!/usr/bin/env python3
"""partnerfit reference in Python, for the benchmark (bench/run.sh).

    reference.py run [--policy FILE] [--out DIR] PATH...
    reference.py compare PARTNERFIT_OUT REFERENCE_OUT

`run` does, single-process, what `partnerfit run` does for the shipped rule
pack: walk PATH in sorted order, read each intake with PyYAML's C loader,
validate and type it against the intake schema named by the policy, evaluate
the four stages (needs, fit, shortlist, engage) of the rule pack in rules/,
ported by hand below, under the policy's data (catalogue, lifecycles,
weights, shortlist settings), and write recommendations.csv, needs.csv and
rejects.csv in partnerfit's CSV format.

The rules' logic is ported, not read: when rules/*.lua change, this file
must follow, and `compare` says when it has not. The policy is read, as the
pack reads it: every number a rule compares with comes from its
`thresholds:`, the contract steps go to the options marked `contracted:
true` (with the qualifying partner that delivers those marked
`through_partner: true`), the points a score table names go to the option
carrying that programme on the assessment date (lifecycles, successors and
`predecessor:`, as engine/lua/lifecycles.lua points_carrier), and so do the
options a shortlist rule's list excludes, unless a lifecycle entry says
`inherits_conditions: false` (conditions_carrier); lifecycle notes give the
entry's source and the successor as it stands on the date, and shortlist
notes the margins and ties (3-shortlist.lua margins). So a retuned threshold
or an edited catalogue needs no change here. The port keeps the pack's shape:
facts computed once per intake on first read (f.name, rules/00-facts.lua),
thresholds read as T.name, decision tables as rows of data (decide).

`compare` checks the reference against partnerfit's reports: the same
intakes evaluated and rejected, and for every intake the same scores, ranks
and shortlist, the same need levels, and the same rows cell for cell.

Scalars are read as text (only the YAML null stays null) and the schema
types them, as partnerfit does: the YAML 1.1 resolver of the plain
CSafeLoader would read `country: NO` as false and dates as date objects.
"""

import argparse
import csv
import hashlib
import math
import os
import re
import sys

import yaml

if not hasattr(yaml, "CSafeLoader"):
    sys.exit("reference.py: PyYAML was built without libyaml (no yaml.CSafeLoader)")

NULL_TAG = "tag:yaml.org,2002:null"


class TextLoader(yaml.CSafeLoader):
    """libyaml parser, safe constructor; every plain scalar is text except null."""


TextLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == NULL_TAG]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}

# --------------------------------------------------------------------------
# Configuration files: partnerfit's generic typing (pf_value_from_node)
# --------------------------------------------------------------------------

NUMBER_SHAPE = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
NULL_TEXT = ("", "~", "null", "Null", "NULL")


def generic(node):
    if isinstance(node, yaml.ScalarNode):
        text = node.value
        if node.style not in (None, ""):  # quoted or block: text (CParser says "" for plain)
            return text
        if text in ("true", "false"):
            return text == "true"
        m = NUMBER_SHAPE.fullmatch(text)
        if m:
            return float(text) if m.group(2) else int(text)
        return text
    if isinstance(node, yaml.SequenceNode):
        return [generic(n) for n in node.value]
    out = {}
    for k, v in node.value:
        if isinstance(v, yaml.ScalarNode) and v.style in (None, "") and v.value in NULL_TEXT:
            continue  # null means absent
        out[k.value] = generic(v)
    return out


def read_config(path):
    with open(path, "rb") as f:
        return generic(yaml.compose(f, Loader=yaml.CSafeLoader))


# --------------------------------------------------------------------------
# Intake schema: validation and typing (pf_schema)
# --------------------------------------------------------------------------

INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Spec:
    __slots__ = ("type", "required", "has_default", "default", "unique", "pattern",
                 "min_length", "max_length", "min", "max", "values", "fields", "items",
                 "keys", "min_items", "max_items", "field_map")


def build_spec(raw, enums):
    sp = Spec()
    sp.type = raw["type"]
    sp.required = raw.get("required", False)
    sp.has_default = "default" in raw
    sp.default = raw.get("default")
    sp.unique = raw.get("unique", False)
    sp.pattern = re.compile(raw["pattern"].lstrip("^").rstrip("$")) if "pattern" in raw else None
    sp.min_length = raw.get("min_length", 0)
    sp.max_length = raw.get("max_length", 1 << 30)
    sp.min = raw.get("min")
    sp.max = raw.get("max")
    sp.values = None
    if sp.type == "enum":
        sp.values = frozenset(raw["values"] if "values" in raw else enums[raw["enum"]])
    sp.fields = sp.field_map = None
    if sp.type == "object":
        sp.fields = [(name, build_spec(f, enums)) for name, f in raw["fields"].items()]
        sp.field_map = dict(sp.fields)
    sp.items = build_spec(raw["items"], enums) if sp.type == "list" else None
    sp.keys = None
    if sp.type == "map":
        sp.keys = build_spec(raw["keys"], enums) if "keys" in raw else None
        sp.items = build_spec(raw["values"], enums)
    sp.min_items = raw.get("min_items", 0)
    sp.max_items = raw.get("max_items", 1 << 30)
    if sp.has_default and sp.type == "number":
        sp.default = float(sp.default)
    return sp


class Invalid(Exception):
    pass


def real_date(s):
    if len(s) != 10 or not DATE.fullmatch(s):
        return False
    y, m, d = int(s[0:4]), int(s[5:7]), int(s[8:10])
    if m < 1 or m > 12 or d < 1:
        return False
    leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
    return d <= (29 if m == 2 and leap else DAYS[m - 1])


def check_scalar(sp, v, path, errs):
    if not isinstance(v, str):
        errs.append((path, "schema.shape", "expected a %s" % sp.type))
        return None
    t = sp.type
    if t == "string" or t == "text":
        if "\r" in v or (t == "string" and ("\n" in v or "\t" in v)):
            errs.append((path, "schema.type", "line break or tab"))
            return None
        if not sp.min_length <= len(v) <= sp.max_length:
            errs.append((path, "schema.length", "length"))
            return None
        if sp.pattern is not None and not sp.pattern.fullmatch(v):
            errs.append((path, "schema.pattern", "pattern"))
            return None
        return v
    if t == "integer":
        if not INTEGER.fullmatch(v):
            errs.append((path, "schema.type", "expected a whole number"))
            return None
        i = int(v)
        if (sp.min is not None and i < sp.min) or (sp.max is not None and i > sp.max):
            errs.append((path, "schema.range", "out of range"))
            return None
        return i
    if t == "number":
        if not DECIMAL.fullmatch(v):
            errs.append((path, "schema.type", "expected a number"))
            return None
        x = float(v)
        if (sp.min is not None and x < sp.min) or (sp.max is not None and x > sp.max):
            errs.append((path, "schema.range", "out of range"))
            return None
        return x
    if t == "boolean":
        if v == "true":
            return True
        if v == "false":
            return False
        errs.append((path, "schema.type", "expected true or false"))
        return None
    if t == "enum":
        if v in sp.values:
            return v
        errs.append((path, "schema.enum", "not one of the values"))
        return None
    if t == "date":
        if not real_date(v):
            errs.append((path, "schema.date", "not a date"))
            return None
        return v
    errs.append((path, "schema.shape", "unknown type"))
    return None


def check_value(sp, v, path, errs):
    t = sp.type
    if t == "object":
        if not isinstance(v, dict):
            errs.append((path, "schema.shape", "expected a mapping"))
            return None
        fmap = sp.field_map
        given = {}
        for k, item in v.items():
            if k not in fmap:
                errs.append((path + "." + str(k) if path else str(k), "schema.unknown_field",
                             "unknown field"))
            elif item is not None:
                given[k] = check_value(fmap[k], item,
                                       path + "." + k if path else k, errs)
        out = {}
        for name, f in sp.fields:
            if name in given:
                out[name] = given[name]
            elif f.required:
                errs.append((path + "." + name if path else name, "schema.required", "missing"))
            elif f.has_default:
                out[name] = f.default
        return out
    if t == "list":
        if not isinstance(v, list):
            errs.append((path, "schema.shape", "expected a list"))
            return None
        if not sp.min_items <= len(v) <= sp.max_items:
            errs.append((path, "schema.items", "item count"))
        out = []
        for i, item in enumerate(v):
            p = "%s[%d]" % (path, i + 1)
            if item is None:
                errs.append((p, "schema.required", "empty item"))
            else:
                out.append(check_value(sp.items, item, p, errs))
        return out
    if t == "map":
        if not isinstance(v, dict):
            errs.append((path, "schema.shape", "expected a mapping"))
            return None
        if len(v) > sp.max_items:
            errs.append((path, "schema.items", "entry count"))
        out = {}
        for k in sorted(v):
            p = path + "." + str(k)
            if sp.keys is not None:
                check_scalar(sp.keys, k, p, errs)
            if v[k] is None:
                errs.append((p, "schema.required", "empty entry"))
            else:
                out[k] = check_value(sp.items, v[k], p, errs)
        return out
    return check_scalar(sp, v, path, errs)


# --------------------------------------------------------------------------
# The prelude: engine arithmetic of engine/lua/ (runner.lua, stages/, reports.lua)
# --------------------------------------------------------------------------


def day_number(s):
    y, m, d = int(s[0:4]), int(s[5:7]), int(s[8:10])
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def days_between(a, b):
    if a is None or b is None:
        return None
    return day_number(b) - day_number(a)


def signed(x):
    if x == math.floor(x) and abs(x) < 1e15:
        s = "%d" % math.floor(x)
    else:
        s = ("%.2f" % x).rstrip("0")
        if s.endswith("."):
            s = s[:-1]
    return "+" + s if x >= 0 else s


def lua_str(v):
    """A value as Lua's tostring (and `..`) shows it: 3 -> "3", 3.0 -> "3.0", 3.5 -> "3.5"."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        s = "%.14g" % v
        return s + ".0" if re.fullmatch(r"-?[0-9]+", s) else s
    return str(v)


def show(v):
    """A template placeholder's value as text (forms.lua shown): a list as prose,
    "a", "a and b", "a, b and c"."""
    if v is None:
        raise ValueError("a placeholder has no value for this intake")
    if isinstance(v, (list, tuple)):
        items = [lua_str(x) for x in v]
        return items[0] if len(items) == 1 else (", ".join(items[:-1]) + " and " + items[-1] if items else "")
    return lua_str(v)


def grouped(v):
    """A placeholder with the format `,` (forms.lua grouped): 1000 -> "1,000"."""
    return "{:,}".format(math.floor(v))


class Thresholds:
    """The policy's `thresholds:` as the rules read them: T.name is the value."""

    def __init__(self, values):
        self.__dict__.update(values)

    def __getattr__(self, name):
        raise KeyError("thresholds.%s is not in the policy's thresholds" % name)


def read_thresholds(raw):
    values = {}
    for name, t in (raw.get("thresholds") or {}).items():
        v = t.get("value") if isinstance(t, dict) else None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            sys.exit("reference.py: threshold '%s' needs a number 'value'" % name)
        lo, hi = t.get("min"), t.get("max")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            sys.exit("reference.py: threshold '%s' is %s, outside its range %s to %s"
                     % (name, lua_str(v), lua_str(lo) if lo is not None else "-inf",
                        lua_str(hi) if hi is not None else "inf"))
        values[name] = v
    return values


class Policy:
    def __init__(self, raw):
        self.raw = raw
        self.areas = [a["id"] for a in raw["areas"]]
        self.area_name = {a["id"]: a.get("name", a["id"]) for a in raw["areas"]}
        needs = raw.get("needs", {})
        self.max_level = needs.get("max_level", 5)
        self.focus_level = needs.get("focus_level", 3)
        labels = needs.get("labels", [])
        self.labels = {i: str(labels[i]) if i < len(labels) else str(i)
                       for i in range(self.max_level + 1)}
        self.options = []
        self.option_by_id = {}
        for i, o in enumerate(raw["options"], 1):
            entry = {
                "id": o["id"], "name": o.get("name", o["id"]), "index": i,
                "areas": [a for a in o.get("areas", []) if a in self.area_name],
                "next_step": o.get("next_step"),
                "lifecycle": [dict(e) for e in o.get("lifecycle", [])],
                "contracted": o.get("contracted") is True,
                "through_partner": o.get("through_partner") is True,
                "predecessor": o.get("predecessor"),
            }
            self.options.append(entry)
            self.option_by_id[o["id"]] = entry
        self.option_ids = [o["id"] for o in self.options]
        self.notes = {}  # (option, date) -> lifecycle note
        for o in self.options:
            if o["predecessor"] is not None and o["predecessor"] not in self.option_by_id:
                sys.exit("reference.py: option '%s': predecessor '%s' is not in the catalogue"
                         % (o["id"], o["predecessor"]))
        s = raw.get("shortlist", {})
        self.shortlist_size = s.get("size", 3)
        self.min_score = s.get("min_score", 0)
        self.excluded_status = set(s.get("exclude_status", []))
        # a row tells of its option's next lifecycle change this many days ahead
        self.notice_days = raw.get("lifecycle_notice_days", 0)
        self.weights = dict(raw.get("weights", {}))
        self.thresholds = read_thresholds(raw)
        f = raw.get("intake", {})
        self.id_path = f.get("id_field", "id")
        self.label_path = f.get("label_field")
        self.as_of_path = f.get("as_of_field")
        self.label_column = f.get("label_column") or (
            self.label_path.rsplit(".", 1)[0].rsplit(".", 1)[-1]
            if self.label_path and "." in self.label_path else "label")

    def option_name(self, oid):  # the DSL's option_name
        o = self.option_by_id.get(oid)
        return o["name"] if o else str(oid)


# ---- lifecycles (engine/lua/lifecycles.lua) -------------------------------


def points_of(x):
    """'1 point', '2.5 points' (stages/3-shortlist.lua points_of)"""
    p = points_text(x)
    return p + (" point" if p == "1" else " points")


def lifecycle(o, as_of):
    if not o["lifecycle"]:
        return "active", None
    status, entry = "unavailable", None
    for e in o["lifecycle"]:
        if as_of is None or e["from"] <= as_of:
            status, entry = e["status"], e
    return status, entry


# how a lifecycle entry's source qualifies its claim in a report
SOURCE_TEXT = {"secondary": " (secondary source)", "approximate": " (date approximate)"}


def successor_text(pol, oid, as_of):
    """lifecycles.lua successor_text: the successor as it stands on the date: from when
    it starts, or that it is itself succeeded and which option carries the offer now."""
    succ = pol.option_by_id.get(oid)
    text = "successor: " + (succ["name"] if succ else oid) + " (" + oid + ")"
    if succ is None:
        return text
    s, entry = lifecycle(succ, as_of)
    if s == "unavailable":
        return (text + ", from " + succ["lifecycle"][0]["from"] + "; it has not started on "
                + (as_of or "this date"))
    if s != "active":
        now = resolve_on(pol, oid, as_of)
        text += ", itself " + s + " since " + entry["from"]
        if now is not None and now != oid:
            text += ("; on " + (as_of or "this date") + " " + pol.option_by_id[now]["name"]
                     + " (" + now + ") carries the offer")
    return text


def entry_within(o, as_of, within):
    """lifecycles.lua entry_within: the next lifecycle entry when it starts at most
    within days after as_of, else None."""
    if as_of is None:
        return None
    for e in o["lifecycle"]:
        if e["from"] > as_of:
            return e if days_between(as_of, e["from"]) <= within else None
    return None


def coming_change(pol, o, as_of):
    """lifecycles.lua coming_change: the next lifecycle entry when it starts within
    lifecycle_notice_days, and what a note says of it after its status and date."""
    e = entry_within(o, as_of, pol.notice_days)
    if e is None:
        return None, None
    days = days_between(as_of, e["from"])
    source = SOURCE_TEXT.get(e.get("source"))
    text = ("(" + lua_str(days) + (" day" if days == 1 else " days") + " after the assessment"
            + ("; " + source[2:-1] if source else "") + ")")
    if e.get("note") is not None:
        note = lua_str(e["note"])
        text += ": " + (note[:-1] if note.endswith(".") else note)
    if e.get("successor") is not None:
        text += "; " + successor_text(pol, e["successor"], e["from"])
    return e, text


def lifecycle_note(pol, o, as_of):
    status, e = lifecycle(o, as_of)
    next_entry, coming = coming_change(pol, o, as_of)
    if status == "active":
        if next_entry is None:
            return ""
        return "active until " + next_entry["from"] + ", then " + next_entry["status"] + " " + coming
    if status == "unavailable":
        return "not yet available on %s (from %s)" % (as_of or "the assessment date",
                                                       o["lifecycle"][0]["from"])
    note = status + " since " + e["from"] + SOURCE_TEXT.get(e.get("source"), "")
    if e.get("note") is not None:
        text = lua_str(e["note"])
        if e.get("successor") is not None and text.endswith("."):
            text = text[:-1]  # the successor follows after "; "
        note += ": " + text
    if e.get("successor") is not None:
        note += "; " + successor_text(pol, e["successor"], as_of)
    if next_entry is not None:
        note += "; then " + next_entry["status"] + " from " + next_entry["from"] + " " + coming
    return note


def note_on(pol, o, as_of):
    """lifecycle_note, kept per option and date (it depends on the catalogue alone)."""
    key = (o["id"], as_of)
    n = pol.notes.get(key)
    if n is None:
        n = pol.notes[key] = lifecycle_note(pol, o, as_of)
    return n


def resolve_on(pol, oid, as_of):
    """resolve on a date, outside an intake's ctx (the lifecycle note)."""
    return resolve(Ctx(pol, as_of), oid)[0]


def resolve(ctx, oid):
    """lifecycles.lua resolve: the option that carries oid on ctx's date (itself while
    active, or while legacy with no successor available yet; else its successor,
    followed as far as needed), whether a successor carries it, and whether an entry
    followed rests on a secondary source; None when nothing carries it then."""
    by_id = ctx.pol.option_by_id
    seen, via_successor, secondary = set(), False, False
    while oid is not None and oid not in seen:
        seen.add(oid)
        if oid not in by_id:
            return None, False, False
        s, entry = ctx.status(oid)
        if s == "active":
            return oid, via_successor, secondary
        if s == "unavailable":
            return None, False, False
        nxt = entry.get("successor") if entry else None
        nxt_status = ctx.status(nxt)[0] if nxt is not None and nxt in by_id else None
        if nxt is None or nxt_status is None or nxt_status == "unavailable":
            return (oid, via_successor, secondary) if s == "legacy" else (None, False, False)
        oid, via_successor = nxt, True
        secondary = secondary or entry.get("source") == "secondary"
    return None, False, False


def points_carrier(ctx, oid):
    """lifecycles.lua points_carrier: the option that gets the points a table names
    for oid, and whether it is a successor. Before the option starts, its
    predecessor's carrier (policy `predecessor:`), if it names one; otherwise,
    when nothing carries it, the points stay on the option named."""
    o = ctx.pol.option_by_id[oid]
    if ctx.status(oid)[0] == "unavailable" and o["predecessor"] is not None:
        return resolve(ctx, o["predecessor"])[0], False
    c, by_successor, secondary = resolve(ctx, oid)
    if c is None:
        return oid, False
    return c, ("secondary" if by_successor and secondary else by_successor)


def conditions_carrier(ctx, oid):
    """lifecycles.lua conditions_carrier: the option an entry condition written for oid
    (a shortlist rule's exclude list) applies to on ctx's date: the option carrying
    oid, when every successor on the way inherits its predecessor's conditions (a
    lifecycle entry may say `inherits_conditions: false`); None when one does not;
    oid itself when nothing carries it."""
    by_id = ctx.pol.option_by_id
    seen = set()
    while oid not in seen:
        seen.add(oid)
        if oid not in by_id:
            return None
        s, entry = ctx.status(oid)
        nxt = entry.get("successor") if entry else None
        if s == "active" or s == "unavailable" or nxt is None:
            return oid
        nxt_status = ctx.status(nxt)[0] if nxt in by_id else None
        if nxt_status is None or nxt_status == "unavailable":
            return oid
        if entry.get("inherits_conditions") is False:
            return None
        oid = nxt
    return oid


def carried_exclusions(ctx, ids):
    """3-shortlist.lua carried_exclusions: a static exclude list names offers, like a
    table of points: each entry excludes the option carrying it on the date."""
    out = []
    for oid in ids:
        c = conditions_carrier(ctx, oid)
        if c is not None and c not in out:
            out.append(c)
    return out


class Ctx:
    """What a rule sees as ctx."""

    __slots__ = ("pol", "as_of", "need", "in_focus", "score", "shortlisted", "rank",
                 "focus_areas", "top", "_status")

    def __init__(self, pol, as_of):
        self.pol = pol
        self.as_of = as_of
        self.need = {a: 0 for a in pol.areas}
        self.in_focus = {}
        self.score = {o: 0 for o in pol.option_ids}
        self.shortlisted = {}
        self.rank = {}
        self.focus_areas = []
        self.top = None
        self._status = {}

    @property
    def min_score(self):  # ctx.min_score: the policy's minimum score for a shortlist place
        return self.pol.min_score

    def days_until(self, date):
        return days_between(self.as_of, date)

    def status(self, oid):  # (status, lifecycle entry in force), once per option and intake
        s = self._status.get(oid)
        if s is None:
            s = self._status[oid] = lifecycle(self.pol.option_by_id[oid], self.as_of)
        return s

    def lifecycle(self, oid):
        return self.status(oid)[0]

    def carrier(self, oid):
        return resolve(self, oid)[0]

    def change_ahead(self, oid, days=None):  # ctx.change_ahead: (date, status, successor) or None
        within = max(self.pol.notice_days, days) if days is not None else self.pol.notice_days
        e = entry_within(self.pol.option_by_id[oid], self.as_of, within)
        if e is None:
            return None
        return e["from"], e["status"], e.get("successor")

    def successor_note(self, oid):  # ctx.successor_note: which option carries oid now
        c, _, secondary = resolve(self, oid)
        if c is None or c == oid:
            return ""
        return (" (On the assessment date " + self.pol.option_name(c) + " carries what "
                + self.pol.option_name(oid) + " offered"
                + (", as secondary sources report" if secondary else "") + ".)")


class Facts:
    """The facts of one intake (rules/00-facts.lua), read as f.name: each computed
    on its first read and kept for this intake only."""

    def __init__(self, defs, intake, ctx):
        self._defs, self._intake, self._ctx = defs, intake, ctx

    def __getattr__(self, name):
        fn = self._defs.get(name)
        if fn is None:
            raise AttributeError("f.%s is not a declared fact" % name)
        v = fn(self._intake, self._ctx, self)
        self.__dict__[name] = v
        return v


class Rule:
    __slots__ = ("id", "stage", "weight", "because", "when", "action", "targets",
                 "programmes", "scale_area", "resolves", "index", "replaces_catalogue_step")


class Pack:
    def __init__(self):
        self.needs, self.fit, self.shortlist, self.engage = [], [], [], []
        self.facts = {}
        self.count = 0
        self.resolved = {}  # (rule index, date) -> the points of a static fit table on that date


def fires(r, intake, ctx, f):
    return r.when is None or bool(r.when(intake, ctx, f))


def reason(r, intake, ctx, f):
    b = r.because
    return b(intake, ctx, f) if callable(b) else b


def action_value(r, intake, ctx, f):
    a = r.action
    return a(intake, ctx, f) if callable(a) else a


def add_carried(ctx, t, points, notes):
    """runner.lua add_carried: each key's points go to the option carrying it on the date."""
    pol = ctx.pol
    for o in pol.options:
        v = points.get(o["id"])
        if v is not None:
            c, by_successor = points_carrier(ctx, o["id"])
            if c is not None:
                t[c] = t.get(c, 0) + v
                if notes is not None and by_successor:
                    notes[c] = notes.get(c, "") + (" (On the assessment date " + pol.option_name(c)
                                                   + " carries what " + pol.option_name(o["id"])
                                                   + " offered"
                                                   + (", as secondary sources report"
                                                      if by_successor == "secondary" else "")
                                                   + ".)")


def table_points(pack, r, ctx):
    """runner.lua table_points: a static fit table resolved on ctx's date (once per rule
    and date), scaled by an area's need level for scale_by_need; and the note on
    successors for its reason, by the option whose row each belongs to."""
    key = (r.index, ctx.as_of)
    entry = pack.resolved.get(key)
    if entry is None:
        t, notes = {}, {}
        add_carried(ctx, t, r.action, None)
        if r.programmes:
            add_carried(ctx, t, r.programmes, notes)
        entry = pack.resolved[key] = (t, notes)
    t, note = entry
    if r.scale_area is not None:
        level = ctx.need[r.scale_area] / ctx.pol.max_level
        t = {k: math.floor(v * level + 0.5) for k, v in t.items()}
    return t, note


def add_points(pol, r, t, keys, totals, why, intake, ctx, f, notes=None):
    w = pol.weights[r.weight] if r.weight else 1
    base = None
    for k in keys:
        v = t.get(k)
        if v is not None and v != 0:
            v = v * w
            totals[k] = totals[k] + v
            if base is None:
                base = reason(r, intake, ctx, f)
            why[k].append(r.id + " " + signed(v) + ": " + base + (notes or {}).get(k, ""))


def points_text(x):
    """3-shortlist.lua points: points as a report shows them: 12, 7.5."""
    s = signed(x)
    return s[1:] if s.startswith("+") else s


def margins(pol, score, shortlist_note, competing, taken):
    """3-shortlist.lua margins: each competing option's margin to its neighbours (a
    tie named with its partners, a shortlisted option's lead over the next, the
    first left out's distance to the last place)."""
    n = len(competing)
    for i, oid in enumerate(competing, 1):
        s = score[oid]
        tied = [p for p in competing if p != oid and score[p] == s]
        note = shortlist_note[oid]
        if tied:
            note += ("; tied with " + " and ".join(tied) + " at " + points_text(s)
                     + " (catalogue order decides)")
        elif i <= taken and i < n:
            nxt = competing[i]
            note += "; " + points_of(s - score[nxt]) + " ahead of " + nxt
        elif i == taken:
            note += "; no other eligible option reaches the minimum score of " + points_text(pol.min_score)
        elif i == taken + 1:
            last = competing[taken - 1]
            note += ("; " + points_of(score[last] - s) + " behind " + last
                     + ", the last place")
        shortlist_note[oid] = note


def get_path(t, path):
    if path is None:
        return None
    for part in path.split("."):
        if not isinstance(t, dict):
            return None
        t = t.get(part)
        if t is None:
            return None
    return t


def evaluate(pol, pack, intake, source):
    as_of = get_path(intake, pol.as_of_path)
    ctx = Ctx(pol, as_of)
    f = Facts(pack.facts, intake, ctx)
    need_points = {a: 0 for a in pol.areas}
    need_why = {a: [] for a in pol.areas}
    why = {o: [] for o in pol.option_ids}
    steps = {o: [] for o in pol.option_ids}
    excluded = {}
    # needs
    for r in pack.needs:
        if fires(r, intake, ctx, f):
            t = action_value(r, intake, ctx, f)
            if t is not None:
                add_points(pol, r, t, pol.areas, need_points, need_why, intake, ctx, f)
    for a in pol.areas:
        ctx.need[a] = min(max(math.floor(need_points[a] + 0.5), 0), pol.max_level)
        if ctx.need[a] >= pol.focus_level:
            ctx.focus_areas.append(a)
            ctx.in_focus[a] = True
    # fit
    for r in pack.fit:
        if fires(r, intake, ctx, f):
            if r.resolves:
                t, note = table_points(pack, r, ctx)
            else:
                t, note = action_value(r, intake, ctx, f), None
            if t is not None:
                add_points(pol, r, t, pol.option_ids, ctx.score, why, intake, ctx, f, note)
    # shortlist
    for r in pack.shortlist:
        if fires(r, intake, ctx, f):
            lst = action_value(r, intake, ctx, f)
            if lst is not None:
                if not callable(r.action):  # a list written in the rule follows programmes
                    lst = carried_exclusions(ctx, lst)
                text = None
                for oid in lst:
                    if text is None:
                        text = reason(r, intake, ctx, f)
                    excluded.setdefault(oid, []).append(r.id + ": " + text)
    score = ctx.score
    order = sorted(pol.options, key=lambda o: (-score[o["id"]], o["index"]))
    taken = 0
    competing = []
    shortlist_note = {}
    for i, o in enumerate(order, 1):
        oid = o["id"]
        ctx.rank[oid] = i
        status = ctx.lifecycle(oid)
        if oid in excluded:
            note = "excluded by " + "; ".join(excluded[oid])
        elif status == "unavailable" or status in pol.excluded_status:
            note = "not shortlisted: the option is %s on %s" % (status,
                                                                as_of or "the assessment date")
        elif score[oid] < pol.min_score:
            note = "below the minimum score of " + points_text(pol.min_score)
        else:
            competing.append(oid)
            if taken >= pol.shortlist_size:
                note = "the shortlist is full (%d options)" % pol.shortlist_size
            else:
                taken += 1
                ctx.shortlisted[oid] = True
                note = "shortlisted (%d of %d)" % (taken, pol.shortlist_size)
                if taken == 1:
                    ctx.top = oid
        shortlist_note[oid] = note
    margins(pol, score, shortlist_note, competing, taken)
    for oid in pol.option_ids:
        ctx.shortlisted.setdefault(oid, False)
    # engage
    replaced = set()  # options whose catalogue step a rule's step replaces
    for r in pack.engage:
        if fires(r, intake, ctx, f):
            text = action_value(r, intake, ctx, f)
            if text:
                t = r.targets
                if t == "all":
                    ids = pol.option_ids
                elif t == "top":
                    ids = [ctx.top] if ctx.top is not None else []
                elif t == "shortlisted":
                    ids = [o["id"] for o in order if ctx.shortlisted[o["id"]]]
                else:
                    ids = t
                for oid in ids:
                    if r.replaces_catalogue_step:
                        replaced.add(oid)
                    steps[oid].append(text + " [" + r.id + "]")
    # rows
    iid = str(get_path(intake, pol.id_path) or "")
    label = str(get_path(intake, pol.label_path) or "")
    recs = []
    for rank, o in enumerate(order, 1):
        oid = o["id"]
        covered = "; ".join("%s (%d)" % (a, ctx.need[a]) for a in o["areas"])
        nxt = []
        if ctx.shortlisted[oid] and o["next_step"] is not None and oid not in replaced:
            nxt.append(str(o["next_step"]))
        nxt.extend(steps[oid])
        recs.append((iid, label, rank, oid, o["name"], score[oid],
                     "yes" if ctx.shortlisted[oid] else "no", covered,
                     "; ".join(why[oid]) if why[oid] else "no rule scored this option",
                     " ".join(nxt), note_on(pol, o, as_of), shortlist_note[oid], source))
    needs = []
    for a in pol.areas:
        lv = ctx.need[a]
        needs.append((iid, label, a, pol.area_name[a], lv, pol.labels[lv],
                      "; ".join(need_why[a]) if need_why[a] else "no rule raised this area",
                      source))
    return recs, needs

# --------------------------------------------------------------------------
# The rule pack, ported from rules/*.lua (same ids, order, points, reasons).
# As in the pack, every number a rule compares with is the policy's
# thresholds (T.name), the facts are declared once (f.name, computed on
# first read), the contracted options and the programmes a score names are
# the catalogue's, and decision tables are rows of data.
# --------------------------------------------------------------------------


def programme_named(f):
    """' (on this date NAME)' for the option carrying the migration programme, or ''."""
    return " (on this date " + f.migration_programme + ")" if f.migration_programme else ""


def build_pack(pol):
    T = Thresholds(pol.thresholds)
    AREAS = pol.areas
    OPTIONS = pol.raw["options"]  # the `options` a rule file sees: the policy's catalogue
    option_name = pol.option_name
    pack = Pack()
    facts = pack.facts

    # ---- fact { ... }, rule { ... }, decide { ... } -----------------------------

    def fact(id, value=None, answer=None, default=None):
        if answer is not None:
            def value(i, c, f, path=answer, default=default):
                v = get_path(i, path)
                return default if v is None else v
        facts[id] = value

    ACTION_FIELD = {"needs": "need", "fit": "score", "shortlist": "exclude", "engage": "step"}

    def rule(id, stage, because, when=None, weight=None, need=None, score=None,
             programmes=None, scale_by_need=None, exclude=None, step=None, options=None,
             replaces_catalogue_step=False):
        action = {"need": need, "score": score, "exclude": exclude,
                  "step": step}[ACTION_FIELD[stage]]
        if action is None and stage == "fit" and programmes is not None:
            action = {}  # points for programmes alone
        r = Rule()
        r.id, r.stage, r.weight, r.because = id, stage, weight, because
        r.when, r.action = when, action
        r.programmes, r.scale_area = programmes, scale_by_need
        r.targets = options if options is not None else "shortlisted"
        r.replaces_catalogue_step = replaces_catalogue_step
        r.resolves = stage == "fit" and isinstance(action, dict)  # keys go to their carriers
        r.index = pack.count
        pack.count += 1
        getattr(pack, stage).append(r)

    def decide(on, stage, rows, weight=None):
        """One rule per row, firing when the answer (or fact f.name) `on` is the row's
        `is`, and the row's own `when`, if it has one."""
        if on.startswith("f."):
            def value(i, c, f, name=on[2:]):
                return getattr(f, name)
        else:
            def value(i, c, f, path=on):
                return get_path(i, path)
        for row in rows:
            spec = {k: v for k, v in row.items() if k not in ("is", "when")}
            spec.setdefault("stage", stage)
            spec.setdefault("weight", weight)
            own = row.get("when")
            if own is None:
                def when(i, c, f, is_=row["is"]):
                    return value(i, c, f) == is_
            else:
                def when(i, c, f, is_=row["is"], own=own):
                    return value(i, c, f) == is_ and own(i, c, f)
            rule(when=when, **spec)

    # ---- 00-facts.lua ------------------------------------------------------------

    SKILL_AREAS = {
        "cloud_architecture": ["plan", "ready"], "networking": ["ready"],
        "identity": ["ready", "govern"], "security": ["ready", "govern"],
        "governance": ["govern"], "operations": ["manage"], "iac_devops": ["ready"],
        "data": ["migrate", "innovate"], "cloud_native": ["innovate"], "ai": ["innovate"],
        "finops": ["strategy", "govern"],
    }

    fact("approach", answer="culture.approach")
    fact("risk_tolerance", answer="culture.risk_tolerance")
    fact("operating_model", answer="culture.operating_model")
    fact("executive_sponsor", answer="culture.executive_sponsor")
    fact("regulated", answer="organisation.regulated")
    fact("inventory_complete", answer="estate.inventory_complete")
    fact("paid_subscription", answer="procurement.active_paid_subscription")
    fact("counts_estimated", answer="estate.counts_estimated", default=False)
    fact("production_in_azure", answer="estate.production_in_azure", default=False)
    fact("incumbent_answer", answer="procurement.incumbent_partner", default="none")
    fact("incumbent_replaced", answer="procurement.incumbent_replaced", default=False)
    # the partner the organisation builds on: none when the one it has is to be replaced
    fact("incumbent_partner", lambda i, c, f: "none" if f.incumbent_replaced else f.incumbent_answer)
    fact("replaced_partner", lambda i, c, f: f.incumbent_answer
         if f.incumbent_replaced and f.incumbent_answer != "none" else None)
    fact("who_to_ask", lambda i, c, f: "the Microsoft account team or a partner" if f.account_team
         else "a partner")
    fact("support_via_csp_answer", answer="procurement.support_via_csp", default=False)
    # support bought through a provider that is being replaced ends with it
    fact("support_via_csp", lambda i, c, f: f.support_via_csp_answer and f.replaced_partner != "csp")
    fact("support_leaving", lambda i, c, f: f.support_via_csp_answer and f.replaced_partner == "csp"
         and f.support_held == "none")
    fact("account_team", answer="procurement.account_team", default=False)
    fact("self_service_preference", answer="culture.self_service_preference", default="medium")
    fact("billing_preference", answer="procurement.billing_preference")
    fact("adoption_phase", answer="culture.adoption_phase")
    fact("organisation_size", answer="organisation.size", default="medium")
    fact("approved_vendor_list", answer="procurement.approved_vendor_list")
    fact("lead_time", answer="procurement.contract_lead_time_days")
    fact("support_plan_answer", answer="procurement.existing_support_plan", default="none")
    # Premier is read as Unified, its later name
    fact("support_held", lambda i, c, f: "unified" if f.support_plan_answer == "premier"
         else f.support_plan_answer)
    fact("annual_azure_spend", answer="estate.annual_azure_spend", default=0)
    fact("mission_critical", answer="estate.criticality.mission_critical", default=0)
    fact("unit_critical", answer="estate.criticality.unit_critical", default=0)

    def assets(i, c, f):
        e = i.get("estate") or {}
        return (e.get("servers") or 0) + (e.get("databases") or 0) + (e.get("applications") or 0)

    def greenfield(i, c, f):
        e = i.get("estate")
        return e is not None and e.get("servers") is not None and \
            (e.get("servers") or 0) + (e.get("databases") or 0) == 0

    def production_workloads(i, c, f):
        k = (i.get("estate") or {}).get("criticality") or {}
        return (k.get("high") or 0) + (k.get("medium") or 0) + (k.get("low") or 0)

    fact("assets", assets)
    fact("greenfield", greenfield)
    fact("enterprise_scale", lambda i, c, f: f.assets > T.enterprise_assets)
    fact("estate_estimated", lambda i, c, f: f.counts_estimated or not f.inventory_complete)
    fact("counted_enterprise_scale", lambda i, c, f: f.enterprise_scale and not f.estate_estimated)
    def size_share(i, c, f):
        lo, hi = T.enterprise_band_assets, T.enterprise_assets
        if f.assets <= lo:
            return 0
        if f.assets >= hi or lo >= hi:
            return 1
        return (f.assets - lo) / (hi - lo)

    fact("size_share", size_share)
    fact("enterprise_share", lambda i, c, f: 0 if f.estate_estimated else f.size_share)
    fact("small_organisation", lambda i, c, f: f.small_estate
         or (f.organisation_size == "small" and f.assets <= T.small_org_estate_assets))
    fact("small_estate", lambda i, c, f: f.assets <= T.small_estate_assets and f.assets > 0
         and not f.greenfield)
    fact("production_workloads", production_workloads)

    def exit_distance(i, c, f):
        d = f.exit_days
        if d is None:
            return None
        if d < 0:
            return "passed " + lua_str(-d) + " days ago"
        return "is " + lua_str(d) + " days away"

    fact("exit_days", lambda i, c, f: c.days_until((i.get("estate") or {}).get("datacenter_exit")))
    fact("exit_near", lambda i, c, f: f.exit_days is not None and f.exit_days <= T.exit_near_days)
    fact("exit_in_window", lambda i, c, f: f.exit_days is not None
         and f.exit_days <= T.exit_window_days)
    fact("adoption_window", answer="estate.adoption_window_months")
    fact("on_the_clock", lambda i, c, f: (f.adoption_window is not None
                                          and f.adoption_window <= T.adoption_window_months)
         or f.exit_in_window)
    fact("exit_distance", exit_distance)

    def skill_gap(i, c, f):
        s = i.get("skills") or {}
        return {k: (s[k].get("need") or 0) - (s[k].get("have") or 0) for k in sorted(s)}

    def no_skill_gap(i, c, f):
        s = i.get("skills")
        if not s:
            return False
        return all(f.skill_gap[k] <= 0 for k in s)

    fact("skill_gap", skill_gap)
    fact("skill_gaps", lambda i, c, f: [k for k, g in f.skill_gap.items()
                                        if g >= T.skill_gap_levels])
    fact("short_skills", lambda i, c, f: set(f.skill_gaps))
    fact("no_skill_gap", no_skill_gap)
    fact("broad_skill_gap", lambda i, c, f: len(f.partner_skill_gaps) >= T.broad_gap_skills)
    fact("average_maturity", lambda i, c, f: sum(i["maturity"].get(a) or 0 for a in AREAS)
         / len(AREAS))

    TIER_ORDER = {"none": 0, "basic": 1, "developer": 2, "standard": 3,
                  "professional_direct": 4, "unified": 5}
    TIER_NAME = {"none": "no support plan", "basic": "Basic", "developer": "Developer",
                 "standard": "Standard", "professional_direct": "Professional Direct",
                 "unified": "Unified"}

    def recommended_tier(i, c, f):
        if f.mission_critical > 0 and (f.counted_enterprise_scale
                                       or f.annual_azure_spend >= T.unified_annual_spend
                                       or f.operating_model == "enterprise"):
            return "unified"
        if f.mission_critical > 0 or f.unit_critical > 0:
            return "professional_direct"
        if f.production_workloads > 0:
            return "standard"
        return "developer"

    def workloads(n, kind):
        return lua_str(n) + " " + kind + " workload" + ("" if n == 1 else "s")

    fact("mission_critical_workloads", lambda i, c, f: workloads(f.mission_critical, "mission-critical"))
    fact("unit_critical_workloads", lambda i, c, f: workloads(f.unit_critical, "unit-critical"))

    def recommended_tier_reason(i, c, f):
        tier = f.recommended_tier
        if tier == "unified":
            return ("for " + f.mission_critical_workloads + " in an organisation-wide estate, "
                    "a negotiated Unified agreement")
        if tier == "professional_direct" and f.mission_critical > 0:
            return ("for " + f.mission_critical_workloads + ", one-hour severity-A response plus "
                    "advisory help and a delivery manager")
        if tier == "professional_direct":
            return "for " + f.unit_critical_workloads + ", the business-critical tier"
        if tier == "standard":
            return ("production workloads without a business-critical label call for Standard, "
                    "with severity-A response under an hour")
        return "with no production workloads yet, Developer covers trial and non-production use"

    def support_below_tier(i, c, f):
        # support through a CSP with no direct plan: the provider's terms decide
        if f.support_via_csp and f.support_held == "none":
            return False
        rec = TIER_ORDER[f.recommended_tier]
        return rec >= TIER_ORDER["standard"] and TIER_ORDER[f.support_held] < rec

    fact("recommended_tier", recommended_tier)
    fact("recommended_tier_reason", recommended_tier_reason)
    fact("recommended_tier_name", lambda i, c, f: TIER_NAME[f.recommended_tier])
    fact("support_held_name", lambda i, c, f: "Premier (now Unified)"
         if f.support_plan_answer == "premier" else TIER_NAME[f.support_held])
    fact("support_covered", lambda i, c, f: TIER_ORDER[f.support_held]
         >= TIER_ORDER[f.recommended_tier])
    fact("support_below_tier", support_below_tier)
    # support comes with a CSP (bought through one, or one invoice wanted) at Standard or below
    fact("live_support_gap", lambda i, c, f: f.support_below_tier and f.production_in_azure)
    fact("critical_tier", lambda i, c, f: TIER_ORDER[f.recommended_tier]
         >= TIER_ORDER["professional_direct"])
    fact("support_through_csp", lambda i, c, f: (f.support_via_csp
                                                 or f.support_awaits_csp)
         and TIER_ORDER[f.recommended_tier] <= TIER_ORDER["standard"])
    # a provider's support to come does not answer for production running today
    fact("support_awaits_csp", lambda i, c, f: f.billing_preference == "single_invoice"
         and not f.support_via_csp)

    fact("review_contracts_early", lambda i, c, f: f.approved_vendor_list
         or (f.lead_time is not None and f.lead_time >= T.contract_lead_days))
    fact("extend_first", lambda i, c, f: {f.incumbent_partner}
         if f.exit_near and f.incumbent_partner != "none" else set())
    fact("contracting_presses", lambda i, c, f: f.review_contracts_early or f.exit_near)
    fact("new_contract_late", lambda i, c, f: f.lead_time is not None and f.exit_days is not None
         and f.lead_time > 0 and f.lead_time >= f.exit_days)
    fact("procurement_squeeze", lambda i, c, f: f.lead_time is not None and f.exit_days is not None
         and f.lead_time > 0 and f.lead_time * T.squeeze_parts >= f.exit_days)

    fact("migration_programme", lambda i, c, f: option_name(c.carrier("ammp"))
         if c.carrier("ammp") is not None else None)
    fact("fasttrack_winding_down", lambda i, c, f: c.lifecycle("fasttrack_for_azure") == "legacy"
         and c.carrier("fasttrack_for_azure") == "fasttrack_for_azure")
    fact("fasttrack_out_of_reach", lambda i, c, f: f.fasttrack_closed or f.fasttrack_winding_down)
    fact("fasttrack_barrier", lambda i, c, f: "is winding down with nothing yet in its place"
         if f.fasttrack_winding_down else "is closed to it without a paid subscription")
    fact("fasttrack_closed", lambda i, c, f: c.lifecycle("fasttrack_for_azure") == "active"
         and not f.paid_subscription)

    def offloaded_areas(i, c, f):
        by_area = (i.get("culture") or {}).get("area_approach") or {}
        return [a for a in AREAS if by_area.get(a) == "offload"]

    def days_short(i, c, f):
        if f.lead_time is None or f.exit_days is None or f.exit_days < 0:
            return None
        short = f.lead_time - f.exit_days
        return short if short > 0 else 0

    def kept_areas(i, c, f):
        if f.approach != "offload":
            return []
        by_area = (i.get("culture") or {}).get("area_approach") or {}
        return [a for a in AREAS if by_area.get(a) is not None and by_area.get(a) != "offload"]

    def kept_skill_gaps(i, c, f):
        handed = f.handed_over
        out = []
        for k in f.skill_gaps:
            areas = SKILL_AREAS.get(k)
            if areas is None or any(a not in handed for a in areas):
                out.append(k)
        return out

    fact("offloaded_areas", offloaded_areas)
    fact("kept_areas", kept_areas)
    fact("handed_over", lambda i, c, f: set(AREAS if f.approach == "offload" else f.offloaded_areas)
         - set(f.kept_areas))
    fact("msp_out_of_proportion", lambda i, c, f: f.small_organisation and not f.enterprise_scale
         and f.approach != "offload" and len(f.offloaded_areas) == 0
         and f.incumbent_partner != "azure_expert_msp")
    fact("kept_skill_gaps", kept_skill_gaps)
    def learning_areas(i, c, f):
        if f.approach == "develop_skills":
            return []
        by_area = (i.get("culture") or {}).get("area_approach") or {}
        return [a for a in AREAS if by_area.get(a) == "develop_skills"]

    def learning_gaps(i, c, f):
        learning = set(f.learning_areas)
        return [k for k in f.skill_gaps if any(a in learning for a in SKILL_AREAS.get(k) or [])]

    def partner_skill_gaps(i, c, f):
        learning = set(f.learning_areas)
        return [k for k in f.skill_gaps
                if SKILL_AREAS.get(k) is None or any(a not in learning for a in SKILL_AREAS[k])]

    def learning_route(i, c, f):
        if not f.learning_gaps:
            return None
        if not f.fasttrack_out_of_reach:
            return "fasttrack"
        if f.greenfield or "innovate" in f.learning_areas:
            return "innovation"
        if f.assets > 0:
            return "migration"
        return "none"

    fact("learning_areas", learning_areas)
    fact("kept_to_learn", lambda i, c, f: set(f.learning_areas))
    fact("learning_gaps", learning_gaps)
    fact("partner_skill_gaps", partner_skill_gaps)
    fact("learning_route", learning_route)
    fact("kept_short_skills", lambda i, c, f: set(f.kept_skill_gaps))
    # the skill lists in words, for reasons
    SKILL_NAMES = {"cloud_architecture": "cloud architecture",
                   "iac_devops": "DevOps (infrastructure as code)",
                   "cloud_native": "cloud-native development", "ai": "AI", "finops": "FinOps"}

    def skill_names(lst):
        return [SKILL_NAMES.get(k, k) for k in lst]

    fact("skill_gap_names", lambda i, c, f: skill_names(f.skill_gaps))
    fact("kept_skill_gap_names", lambda i, c, f: skill_names(f.kept_skill_gaps))
    fact("learning_gap_names", lambda i, c, f: skill_names(f.learning_gaps))
    fact("partner_skill_gap_names", lambda i, c, f: skill_names(f.partner_skill_gaps))
    fact("days_short", days_short)

    # ---- 10-needs.lua -------------------------------------------------------------

    URGENCY_POINTS = {"low": 1, "medium": 2, "high": 3}
    GAP_POINTS = {"gap": 1, "wide": 2}

    def maturity_need(i, c, f):
        t = {}
        for a in AREAS:
            m = i["maturity"].get(a) or 0
            if m < T.defined_maturity:
                t[a] = T.defined_maturity - m
        return t

    rule(id="needs.maturity", stage="needs",
         because="Below defined practice (maturity " + show(T.defined_maturity) + ") an area needs "
         "outside help in proportion to how far it falls short: 3 points at maturity 0, 2 at 1, "
         "1 at 2.",
         need=maturity_need)

    def help_need(i, c, f):
        t = {}
        for h in i["help"]:
            t[h["area"]] = t.get(h["area"], 0) + URGENCY_POINTS[h.get("urgency") or "medium"]
        return t

    rule(id="needs.help.requested", stage="needs",
         because="The team asked for help in this area itself; the more urgent the request, the "
         "higher the need (1 point low, 2 medium, 3 high).",
         when=lambda i, c, f: i.get("help") is not None and len(i["help"]) > 0,
         need=help_need)

    def gaps_need(i, c, f):
        best = {}
        for k in f.skill_gaps:
            wide = f.skill_gap[k] >= T.wide_skill_gap_levels
            pts = GAP_POINTS["wide"] if wide else GAP_POINTS["gap"]
            for a in SKILL_AREAS.get(k, []):
                if pts > best.get(a, 0):
                    best[a] = pts
        return best

    rule(id="needs.skills.gaps", stage="needs",
         because=lambda i, c, f: "Skills the plans require but the team lacks ("
         + show(f.skill_gap_names) + ") raise the need in the areas that depend on them: 1 point for a "
         "gap of 2 levels, 2 for 3 or more.",
         when=lambda i, c, f: len(f.skill_gaps) > 0, need=gaps_need)

    rule(id="needs.estate.unknown", stage="needs",
         because="There is no complete, current inventory of the estate, so the portfolio must be "
         "discovered and assessed before an adoption plan can be trusted.",
         when=lambda i, c, f: not f.inventory_complete, need={"plan": 2})

    rule(id="needs.scale.enterprise", stage="needs",
         because=lambda i, c, f: "With " + show(f.assets) + " servers, databases and applications "
         "in scope (more than about " + grouped(T.enterprise_assets) + "), planning, landing "
         "zones, governance and the migration itself have to work at enterprise scale.",
         when=lambda i, c, f: f.counted_enterprise_scale,
         need={"plan": 1, "ready": 1, "migrate": 1, "govern": 1})

    def exit_because(i, c, f):
        d = f.exit_days
        if d < 0:
            return ("The datacenter-exit date has already passed (" + lua_str(-d) + " days ago), "
                    "so migration, and the planning and landing zone it depends on, cannot wait.")
        if f.exit_near:
            return ("The datacenter must be vacated within " + lua_str(d) + " days, which "
                    "compresses migration and the planning and landing zone it depends on.")
        return ("The datacenter must be vacated within " + lua_str(d) + " days (under two years), "
                "which sets the pace of migration.")

    rule(id="needs.time.datacenter_exit", stage="needs", because=exit_because,
         when=lambda i, c, f: f.exit_in_window,
         need=lambda i, c, f: ({"migrate": 2, "plan": 1, "ready": 1} if f.exit_near
                               else {"migrate": 1}))

    rule(id="needs.criticality.mission", stage="needs",
         because=lambda i, c, f: show(f.mission_critical_workloads) + " must be "
         "operated and governed without gaps, which raises the need for help in Manage and Govern.",
         when=lambda i, c, f: f.mission_critical > 0, need={"manage": 1, "govern": 1})

    rule(id="needs.sponsor.missing", stage="needs",
         because="No executive sponsor has committed to the programme yet, so the business case "
         "and strategy need work before partners can be engaged with confidence.",
         when=lambda i, c, f: not f.executive_sponsor, need={"strategy": 1})

    rule(id="needs.phase.exploring", stage="needs",
         because="The organisation is still exploring the cloud with no adoption plan, so the "
         "business case and the plan come before any partner is engaged.",
         when=lambda i, c, f: f.adoption_phase == "exploring", need={"strategy": 1, "plan": 1})

    rule(id="needs.regulated", stage="needs",
         because="A regulator supervises how this organisation runs and outsources IT, so controls "
         "and evidence (Govern) need more than the usual attention.",
         when=lambda i, c, f: f.regulated, need={"govern": 1})

    rule(id="needs.greenfield", stage="needs",
         because="The organisation reports no servers or databases to move, so there is nothing to "
         "migrate; low Migrate maturity is not a need here.",
         when=lambda i, c, f: f.greenfield, need={"migrate": -5})

    # ---- 20-fit-culture.lua ---------------------------------------------------------

    rule(id="fit.baseline.self_service", stage="fit", weight="baseline",
         because="The Cloud Adoption Framework treats adoption as self-service by default, so "
         "doing the work in-house stays a candidate until other signals outweigh it.",
         score={"self_service": 15})

    OFFLOAD_POINTS = {"all": 25, "per_area": 5}
    CENTRAL_AT_SCALE = {"msp": 5, "programme": 10}

    def building(c, f):
        return f.greenfield or c.in_focus.get("innovate")

    decide(on="culture.approach", stage="fit", weight="culture", rows=[
        {"id": "fit.culture.develop_skills", "is": "develop_skills",
         "when": lambda i, c, f: len(f.kept_skill_gaps) > 0 and not f.fasttrack_out_of_reach,
         "because": lambda i, c, f: "The team wants to grow its own skills and has real gaps to "
         "close (" + show(f.kept_skill_gap_names) + "); expert guidance from set-up to production suits "
         "that best, and a provider that does the work for it suits it less.",
         "score": {"self_service": 5},
         "programmes": {"fasttrack_for_azure": 20}},
        # FastTrack out of reach (no paid subscription, or winding down with nothing in its
        # place): the partner-delivered programme
        {"id": "fit.culture.develop_skills.build_via_partner", "is": "develop_skills",
         "when": lambda i, c, f: len(f.kept_skill_gaps) > 0 and f.fasttrack_out_of_reach
         and building(c, f),
         "because": lambda i, c, f: "The team wants to grow its own skills for what it builds ("
         + show(f.kept_skill_gap_names) + "), but FastTrack for Azure " + f.fasttrack_barrier + "; the "
         "innovation programme, reached through a qualifying partner, brings Microsoft expertise "
         "and skilling to the build instead.",
         "score": {"self_service": 5},
         "programmes": {"azure_innovate": 20}},
        {"id": "fit.culture.develop_skills.migrate_via_partner", "is": "develop_skills",
         "when": lambda i, c, f: len(f.kept_skill_gaps) > 0 and f.fasttrack_out_of_reach
         and f.assets > 0 and not building(c, f),
         "because": lambda i, c, f: "The team wants to grow its own skills (" + show(f.kept_skill_gap_names)
         + "), but FastTrack for Azure " + f.fasttrack_barrier + "; the migration programme, "
         "reached through a qualifying partner, brings step-by-step guidance and skill building "
         "instead.",
         "score": {"self_service": 5},
         "programmes": {"ammp": 20}},
        {"id": "fit.culture.develop_skills.no_route", "is": "develop_skills",
         "when": lambda i, c, f: len(f.kept_skill_gaps) > 0 and f.fasttrack_out_of_reach
         and f.assets == 0 and not building(c, f),
         "because": lambda i, c, f: "The team wants to grow its own skills (" + show(f.kept_skill_gap_names)
         + "), but FastTrack for Azure " + f.fasttrack_barrier + ", and there is neither a build "
         "nor an estate for a partner-delivered programme to guide: learning from the public "
         "guidance stays its route.",
         "score": {"self_service": 5}},
        # one disposition: a strong self-service preference owns it
        {"id": "fit.culture.develop_skills.no_gaps", "is": "develop_skills",
         "when": lambda i, c, f: len(f.kept_skill_gaps) == 0 and f.self_service_preference != "high",
         "because": "The team wants to build its own skills and reports no material gap in the "
         "work it keeps, so guided self-service is enough.",
         "score": {"self_service": 15}},
        {"id": "fit.culture.augment_staff", "is": "augment_staff",
         "because": "The organisation wants extra hands inside its own teams, which solution "
         "providers and managed service partners supply.",
         "score": {"csp": 10, "azure_expert_msp": 10}},
        {"id": "fit.culture.offload", "is": "offload",
         "when": lambda i, c, f: len(f.kept_areas) == 0,
         "because": "The organisation wants whole processes taken off its hands: an Azure Expert "
         "MSP is built to run them end to end, a solution provider can take on part of the "
         "running, and doing it in-house is the opposite of what was asked.",
         "score": {"azure_expert_msp": OFFLOAD_POINTS["all"], "csp": 5, "self_service": -20}},
        {"id": "fit.culture.offload.keeps_areas", "is": "offload",
         "when": lambda i, c, f: len(f.kept_areas) > 0,
         "because": lambda i, c, f: "The organisation wants most of its processes taken off its "
         "hands and keeps " + show(f.kept_areas) + " for itself; an Azure Expert MSP is built to "
         "run the rest end to end, in proportion to how much is handed over, while doing "
         "everything in-house is not what was asked.",
         "score": lambda i, c, f: {"azure_expert_msp": min((len(AREAS) - len(f.kept_areas))
                                                            * OFFLOAD_POINTS["per_area"],
                                                            OFFLOAD_POINTS["all"]),
                                   "csp": 5, "self_service": -20}},
    ])

    # an area kept back to learn under another default: a share for the guided route of the date
    def learning(f):
        return ("The organisation keeps " + show(f.learning_areas) + " to learn in-house and is short of "
                + show(f.learning_gap_names) + " there")
    decide(on="f.learning_route", stage="fit", weight="culture", rows=[
        {"id": "fit.culture.develop_skills.areas", "is": "fasttrack",
         "because": lambda i, c, f: learning(f) + "; expert guidance through that part of the work, "
         "from set-up to production, suits it.",
         "programmes": {"fasttrack_for_azure": 10}},
        {"id": "fit.culture.develop_skills.areas.build_via_partner", "is": "innovation",
         "because": lambda i, c, f: learning(f) + ", but FastTrack for Azure " + f.fasttrack_barrier
         + "; the innovation programme, reached through a qualifying partner, brings Microsoft guidance "
         "and skilling to that part of the build instead.",
         "programmes": {"azure_innovate": 10}},
        {"id": "fit.culture.develop_skills.areas.migrate_via_partner", "is": "migration",
         "because": lambda i, c, f: learning(f) + ", but FastTrack for Azure " + f.fasttrack_barrier
         + "; the migration programme, reached through a qualifying partner, brings step-by-step "
         "guidance and skill building to that part of the move instead.",
         "programmes": {"ammp": 10}},
        {"id": "fit.culture.develop_skills.areas.no_route", "is": "none",
         "because": lambda i, c, f: learning(f) + ", but FastTrack for Azure " + f.fasttrack_barrier
         + ", and there is neither a build nor an estate for a partner-delivered programme to guide: "
         "the public guidance is its route for that part.",
         "score": {"self_service": 5}},
    ])

    # wanting to learn counts against a provider doing the work, for the work kept only
    rule(id="fit.culture.develop_skills.in_house", stage="fit", weight="culture",
         because=lambda i, c, f: "The team wants to close its own gaps (" + show(f.kept_skill_gap_names)
         + ") and hands no area over, so a provider that does the work for it suits it less.",
         when=lambda i, c, f: f.approach == "develop_skills" and len(f.kept_skill_gaps) > 0
         and len(f.offloaded_areas) == 0,
         score={"azure_expert_msp": -5})

    rule(id="fit.culture.offload.areas", stage="fit", weight="culture",
         because=lambda i, c, f: "The organisation wants a partner to run " + show(f.offloaded_areas)
         + " while the rest follows its own approach; running such processes end to end is what "
         "an Azure Expert MSP is audited for, in proportion to how much is handed over.",
         when=lambda i, c, f: len(f.offloaded_areas) > 0 and f.approach != "offload",
         # weighed by its size: a share per area, up to handing over everything
         score=lambda i, c, f: {"azure_expert_msp": min(len(f.offloaded_areas)
                                                        * OFFLOAD_POINTS["per_area"],
                                                        OFFLOAD_POINTS["all"])})

    decide(on="culture.self_service_preference", stage="fit", weight="culture", rows=[
        {"id": "fit.culture.self_service.high", "is": "high",
         "when": lambda i, c, f: len(f.offloaded_areas) == 0,
         "because": "The team strongly prefers to do the work itself from the public guidance, so "
         "self-service fits its culture and a fully managed service does not.",
         "score": {"self_service": 20, "azure_expert_msp": -10}},
        {"id": "fit.culture.self_service.high.keeps_rest", "is": "high",
         "when": lambda i, c, f: len(f.offloaded_areas) > 0,
         "because": lambda i, c, f: "The team strongly prefers to do the work it keeps itself from "
         "the public guidance, so self-service fits; the areas it hands over ("
         + show(f.offloaded_areas) + ") are not held against a managed service.",
         "score": {"self_service": 20}},
        {"id": "fit.culture.self_service.low", "is": "low",
         "because": "The team does not want to work things out from documentation alone, so "
         "self-service is a weak fit and a partner relationship a stronger one.",
         "score": {"self_service": -15, "azure_expert_msp": 5, "csp": 5}},
    ])

    rule(id="fit.culture.risk.low", stage="fit", weight="culture",
         because="Leadership accepts little risk, which favours audited partners and a support "
         "contract with guaranteed response times over learning by doing.",
         when=lambda i, c, f: f.risk_tolerance == "low",
         score={"azure_expert_msp": 5, "azure_support": 10, "self_service": -10})

    rule(id="fit.culture.sponsor.missing", stage="fit", weight="culture",
         because="No executive sponsor has committed yet: funded Microsoft programmes expect a "
         "committed plan, so a bounded, data-driven assessment that builds the business case is "
         "the easier first step.",
         when=lambda i, c, f: not f.executive_sponsor,
         score={"solution_assessment": 10}, programmes={"ammp": -10})

    def central_nearing_score(i, c, f):
        t = {}
        msp = math.floor(CENTRAL_AT_SCALE["msp"] * f.enterprise_share + 0.5)
        programme = math.floor(CENTRAL_AT_SCALE["programme"] * f.enterprise_share + 0.5)
        if msp != 0:
            t["azure_expert_msp"] = msp
        cur = c.carrier("ammp")
        if cur is not None and programme != 0:
            t[cur] = programme
        return t

    decide(on="culture.operating_model", stage="fit", weight="culture", rows=[
        {"id": "fit.culture.model.decentralized", "is": "decentralized",
         "because": "In a decentralized model each workload team buys and runs its own cloud, "
         "which suits a provider that provisions subscriptions and bills per team, and teams that "
         "serve themselves.",
         "score": {"csp": 10, "self_service": 5}},
        {"id": "fit.culture.model.enterprise", "is": "enterprise",
         "because": "An enterprise operating model with a cloud centre of excellence needs an "
         "organisation-wide support agreement and partners audited across every CAF methodology.",
         "score": {"azure_support": 10, "azure_expert_msp": 5}},
        {"id": "fit.culture.model.distributed", "is": "distributed",
         "because": "A distributed model mixes business units at different maturity; a partner "
         "audited across every CAF methodology can serve each unit at its own level.",
         "score": {"azure_expert_msp": 10, "csp": 5}},
        {"id": "fit.culture.model.centralized_at_scale", "is": "centralized",
         "when": lambda i, c, f: f.counted_enterprise_scale,
         "because": lambda i, c, f: "A centralized team suits a few hundred workloads; with "
         + show(f.assets) + " in scope it will need partner capacity or an enterprise-scale "
         "programme.",
         "score": {"azure_expert_msp": CENTRAL_AT_SCALE["msp"]},
         "programmes": {"ammp": CENTRAL_AT_SCALE["programme"]}},
        # below the line the same load phases in with the counted estate
        {"id": "fit.culture.model.centralized_nearing_scale", "is": "centralized",
         "when": lambda i, c, f: f.enterprise_share > 0 and not f.enterprise_scale,
         "because": lambda i, c, f: "A centralized team suits a few hundred workloads; "
         + show(f.assets) + " counted ones bring it close to the enterprise line, and the need for "
         "partner capacity or an enterprise-scale programme" + programme_named(f) + " grows with them.",
         "score": central_nearing_score},
    ])

    # ---- 30-fit-needs.lua --------------------------------------------------------------

    AREA_HELP = [
        ("strategy", "Strategy is a focus area: a data-driven assessment or a consulting partner "
         "can build the business case and technology strategy, and Microsoft engineers can help "
         "shape the vision.",
         {"solution_assessment": 10, "azure_expert_msp": 5, "fasttrack_for_azure": 5}),
        ("plan", "Plan is a focus area: the portfolio has to be discovered and assessed with "
         "tooling, which a Solution Assessment does on its own and a migration programme does as "
         "its first step.",
         {"solution_assessment": 20, "ammp": 10}),
        ("ready", "Ready is a focus area: a landing zone is best built with expert guidance or by "
         "a partner that also provisions the subscriptions.",
         {"azure_expert_msp": 5, "csp": 5, "fasttrack_for_azure": 15}),
        ("migrate", "Migrate is a focus area: moving workloads takes hands, which a solution "
         "provider or a managed partner supplies, and a migration programme's partners, Microsoft "
         "staff, free tooling and offers lower its cost.",
         {"azure_expert_msp": 5, "csp": 5, "ammp": 25}),
        ("innovate", "Innovate is a focus area: building or re-architecting solutions benefits "
         "from innovation funding and from Microsoft engineers who have built similar solutions.",
         {"azure_innovate": 25, "fasttrack_for_azure": 10}),
        ("govern", "Govern is a focus area: ongoing governance and controls are a managed service "
         "that Azure Expert MSPs are audited to deliver.",
         {"azure_expert_msp": 15}),
        ("manage", "Manage is a focus area: operating the platform and workloads calls for a "
         "managed service provider, or at least a provider or support plan that answers when "
         "things break.",
         {"azure_expert_msp": 15, "csp": 10, "azure_support": 10}),
    ]
    # handed over, the partner that runs the area answers for it alone
    HANDED_OVER = {
        "manage": ("Manage is a focus area and is handed over: the managed partner that runs the "
                   "platform is the one that answers when things break.",
                   {"azure_expert_msp": 15}),
    }
    # kept to learn, the guiding help keeps its points and a partner doing the work earns none
    LEARNED = {
        "strategy": ("Strategy is a focus area the organisation keeps to learn itself: a data-driven "
                     "assessment and Microsoft engineers help it shape the business case, where a "
                     "partner would shape it for it.",
                     {"solution_assessment": 10, "fasttrack_for_azure": 5}),
        "ready": ("Ready is a focus area the organisation keeps to learn itself: a landing zone built "
                  "with expert guidance teaches the team, where one built by a partner would not.",
                  {"fasttrack_for_azure": 15}),
        "migrate": ("Migrate is a focus area the organisation keeps to learn itself: a migration "
                    "programme's Microsoft staff, free tooling and offers guide the team's own moves, "
                    "where a partner's hands would make them for it.",
                    {"ammp": 25}),
        "govern": None,
        "manage": ("Manage is a focus area the organisation keeps to learn itself: while the team "
                   "learns to run the platform, a support plan answers when things break.",
                   {"azure_support": 10}),
    }
    for area, because, points in AREA_HELP:
        handed = HANDED_OVER.get(area)
        learned = area in LEARNED
        rule(id="fit.need." + area, stage="fit", weight="needs", because=because,
             when=lambda i, c, f, area=area, handed=handed, learned=learned: c.in_focus.get(area)
             and not (handed and area in f.handed_over)
             and not (learned and area in f.kept_to_learn), score=points,
             scale_by_need=area)
        if handed:
            rule(id="fit.need." + area + ".handed_over", stage="fit", weight="needs",
                 because=handed[0],
                 when=lambda i, c, f, area=area: c.in_focus.get(area) and area in f.handed_over,
                 score=handed[1], scale_by_need=area)
            # short of support today: the plan answers until the partner is signed
            rule(id="fit.need." + area + ".handed_over.live_gap", stage="fit", weight="needs",
                 because="Manage is handed over, but production already runs in Azure short of "
                 "support: until the managed partner is signed, a support plan is what answers when "
                 "things break.",
                 when=lambda i, c, f, area=area: c.in_focus.get(area) and area in f.handed_over
                 and f.live_support_gap,
                 score={"azure_support": 10}, scale_by_need=area)
        if LEARNED.get(area):
            rule(id="fit.need." + area + ".learned", stage="fit", weight="needs",
                 because=LEARNED[area][0],
                 when=lambda i, c, f, area=area: c.in_focus.get(area) and area in f.kept_to_learn,
                 score=LEARNED[area][1], scale_by_need=area)

    rule(id="fit.need.breadth", stage="fit", weight="needs",
         because=lambda i, c, f: show(len(c.focus_areas)) + " of the seven areas need help ("
         + show(c.focus_areas) + "); one partner audited across every methodology avoids "
         "stitching several together, and in-house alone is unrealistic.",
         when=lambda i, c, f: len(c.focus_areas) >= T.breadth_focus_areas
         and f.approach != "develop_skills" and not f.broad_skill_gap
         and not f.small_organisation,
         score={"azure_expert_msp": 15, "self_service": -10})

    # no clock, no exit date at all and no enterprise-scale estate: "carry on alone"
    # must not snap on one day or one month past a window; high maturity owns
    # the capable-team signal
    rule(id="fit.need.none", stage="fit", weight="needs",
         because="No area reaches the focus level, no skill is short, no deadline presses, the "
         "estate is not at enterprise scale and no production workload runs short of support, so "
         "the team can carry on with the CAF guidance on its own.",
         when=lambda i, c, f: len(c.focus_areas) == 0 and len(f.skill_gaps) == 0
         and not f.on_the_clock and f.exit_days is None and not f.enterprise_scale
         and f.average_maturity < T.high_maturity
         and not f.live_support_gap,
         score={"self_service": 25})

    rule(id="fit.maturity.high", stage="fit", weight="maturity",
         because=lambda i, c, f: "Average maturity across the seven areas is %.1f of 5, high "
         "enough for the team to lead its own adoption." % f.average_maturity,
         when=lambda i, c, f: f.average_maturity >= T.high_maturity, score={"self_service": 20})

    rule(id="fit.maturity.low", stage="fit", weight="maturity",
         because=lambda i, c, f: "Average maturity across the seven areas is only %.1f of 5; a "
         "partner that can cover several areas at once is safer than learning everything "
         "in-house." % f.average_maturity,
         # a thin team is one signal: the broad skill gap or the breadth of need owns it
         when=lambda i, c, f: f.average_maturity < T.low_maturity and not f.broad_skill_gap
         and len(c.focus_areas) < T.breadth_focus_areas,
         score={"azure_expert_msp": 5, "self_service": -15})

    rule(id="fit.skills.broad_gap", stage="fit", weight="skills",
         because=lambda i, c, f: show(len(f.partner_skill_gaps)) + " skill areas are two or more "
         "levels short of what the plans need (" + show(f.partner_skill_gap_names) + "); few teams close that many "
         "gaps alone, which is where a broad managed partner helps.",
         when=lambda i, c, f: f.broad_skill_gap and f.approach != "develop_skills"
         and not f.small_organisation,
         score={"azure_expert_msp": 15, "self_service": -15})

    rule(id="fit.skills.broad_gap.small", stage="fit", weight="skills",
         because=lambda i, c, f: "A small organisation short of many skills ("
         + show(f.partner_skill_gap_names) + ") or needing help in many areas needs extra hands it can buy in proportion: one "
         "solution provider that moves, bills and supports, rather than a broad managed service.",
         when=lambda i, c, f: (f.broad_skill_gap or len(c.focus_areas) >= T.breadth_focus_areas)
         and f.small_organisation and f.approach != "develop_skills",
         score={"csp": 15, "self_service": -15})

    rule(id="fit.skills.broad_gap.learn", stage="fit", weight="skills",
         because=lambda i, c, f: show(len(f.skill_gaps)) + " skill areas are two or more levels "
         "short (" + show(f.skill_gap_names) + ") and the team wants to close them itself; that many "
         "gaps need structured expert guidance, not reading alone.",
         when=lambda i, c, f: f.broad_skill_gap and f.approach == "develop_skills",
         score={"self_service": -10}, programmes={"fasttrack_for_azure": 10})

    rule(id="fit.skills.no_gap", stage="fit", weight="skills",
         because="The team already has every skill its plans call for, which is the main "
         "precondition of self-service.",
         when=lambda i, c, f: f.no_skill_gap, score={"self_service": 15})

    rule(id="fit.skills.operations", stage="fit", weight="skills",
         because="Operations skills (keeping the platform ready, administered, monitored and "
         "protected) are short by two levels or more; a managed service or a support plan covers "
         "the gap while it is closed.",
         # operations handed over with its area: the ask to offload owns that signal
         when=lambda i, c, f: "operations" in f.kept_short_skills,
         score={"azure_expert_msp": 10, "azure_support": 5})

    rule(id="fit.skills.build", stage="fit", weight="skills",
         because="AI, data or cloud-native skills are short for the solutions the team wants to "
         "build; expert engineers and innovation funding shorten the learning curve.",
         when=lambda i, c, f: c.in_focus.get("innovate") and (
             "ai" in f.short_skills or "data" in f.short_skills
             or "cloud_native" in f.short_skills),
         score={"fasttrack_for_azure": 5}, programmes={"azure_innovate": 10})

    rule(id="fit.skills.finops", stage="fit", weight="skills",
         because="FinOps skills are short; a provider's consolidated billing and cost reporting "
         "gives spending control while the team learns to manage cloud costs.",
         # under an enterprise agreement Microsoft bills for the term
         when=lambda i, c, f: "finops" in f.short_skills
         and f.billing_preference != "enterprise_agreement",
         score={"csp": 5, "azure_expert_msp": 5})

    # ---- 40-fit-estate.lua -------------------------------------------------------------

    # the enterprise line is "more than about 1,000": below it a counted estate on
    # the clock earns the enterprise points in proportion to its share of the band
    ENTERPRISE = {"programme": 35, "msp": 10, "assessment": 5, "self_service": -15}
    MID_SIZE = {"programme": 20, "msp": 5, "assessment": 0, "self_service": -5}

    def share_of(points, share):
        return math.floor(points * share + 0.5)

    rule(id="fit.scale.enterprise", stage="fit", weight="scale",
         because=lambda i, c, f: "More than about " + grouped(T.enterprise_assets) + " servers, "
         "databases and applications (" + show(f.assets) + ") are to move within two years: that "
         "is an enterprise-scale programme, best run with a migration programme and a partner with "
         "capacity, not by the in-house team alone.",
         when=lambda i, c, f: f.counted_enterprise_scale and f.on_the_clock,
         score={"azure_expert_msp": 10, "solution_assessment": 5, "self_service": -15},
         programmes={"ammp": 35})

    # an estimate phases in over the same band as a counted estate (size_share)
    ESTIMATED = {"assessment": 25, "msp": -MID_SIZE["msp"]}

    def estimated_score(i, c, f):
        t = {}
        for option, key in (("solution_assessment", "assessment"), ("azure_expert_msp", "msp")):
            p = share_of(ESTIMATED[key], f.size_share)
            if p != 0:
                t[option] = p
        return t

    rule(id="fit.scale.enterprise.estimated", stage="fit", weight="scale",
         because=lambda i, c, f: "An estimate of " + show(f.assets) + " servers, databases and "
         "applications, on a two-year clock, is "
         + ("past" if f.enterprise_scale else "%d %% of the way to" % share_of(100, f.size_share))
         + " the enterprise line, but nobody has counted them yet: the assessment that counts them "
         "comes first; until then the programme earns only what a mid-sized estate on the clock "
         "earns, and a managed-service contract sized on the guess waits for the count.",
         when=lambda i, c, f: f.size_share > 0 and f.estate_estimated and f.on_the_clock,
         score=estimated_score)

    rule(id="fit.scale.large_unhurried", stage="fit", weight="scale",
         because=lambda i, c, f: "The estate is large (" + show(f.assets) + " servers, databases "
         "and applications) but not on a two-year clock, so a migration programme and a capable "
         "partner help without being urgent.",
         when=lambda i, c, f: f.counted_enterprise_scale and not f.on_the_clock,
         score={"azure_expert_msp": 5}, programmes={"ammp": 20})

    rule(id="fit.scale.small", stage="fit", weight="scale",
         because=lambda i, c, f: "The estate is small (" + show(f.assets) + " servers, databases "
         "and applications); one provider that moves, bills and supports it is proportionate, "
         "while an Expert MSP's breadth or a multi-party migration programme is more than it "
         "needs.",
         when=lambda i, c, f: f.small_estate,
         score={"csp": 10, "azure_expert_msp": -15}, programmes={"ammp": -20})

    rule(id="fit.scale.migration_on_the_clock", stage="fit", weight="scale",
         because=lambda i, c, f: show(f.assets) + " servers, databases and applications are to "
         "move within " + show(f.adoption_window) + " months: "
         + ("an estimate not yet counted" if f.estate_estimated else "below enterprise scale")
         + ", but a fixed window where a migration programme's tooling and offers still pay.",
         when=lambda i, c, f: f.on_the_clock and not f.exit_in_window
         and not f.counted_enterprise_scale and not f.small_estate and f.assets > 0
         and not f.greenfield,
         score={"azure_expert_msp": 5, "self_service": -5}, programmes={"ammp": 20})

    def nearing_score(i, c, f):
        base = {} if f.exit_in_window else MID_SIZE
        t = {}
        for option, key in (("azure_expert_msp", "msp"), ("solution_assessment", "assessment"),
                            ("self_service", "self_service"), (c.carrier("ammp"), "programme")):
            p = share_of(ENTERPRISE[key] - base.get(key, 0), f.enterprise_share)
            if option is not None and p != 0:
                t[option] = p
        return t

    rule(id="fit.scale.nearing_enterprise", stage="fit", weight="scale",
         because=lambda i, c, f: show(f.assets) + " counted servers, databases and applications "
         "are to move within two years: close to the enterprise line, so the case for an "
         "enterprise-scale programme" + programme_named(f) + " and a partner with capacity grows with "
         "the estate (" + "%d" % share_of(100, f.enterprise_share) + " % of the way).",
         when=lambda i, c, f: f.enterprise_share > 0 and not f.enterprise_scale and f.on_the_clock,
         score=nearing_score)

    # what a table cannot say: migration funding does not apply without an
    # estate, but a bundle that also carries innovation funding still does
    def green_because(i, c, f):
        cur = c.carrier("ammp")
        if cur is not None and cur == c.carrier("azure_innovate"):
            return ("There are no existing servers or databases, so there is no estate to assess; "
                    + option_name(cur) + " still applies because it also funds new solutions.")
        return ("There are no existing servers or databases, so there is no estate to assess or "
                "migrate.")

    def green_score(i, c, f):
        t = {"solution_assessment": -15}
        cur = c.carrier("ammp")
        if cur is not None and cur != c.carrier("azure_innovate"):
            t[cur] = -20
        return t

    rule(id="fit.scale.greenfield", stage="fit", weight="scale", because=green_because,
         when=lambda i, c, f: f.greenfield, score=green_score)

    rule(id="fit.time.exit_near", stage="fit", weight="time",
         because=lambda i, c, f: "The datacenter-exit deadline " + show(f.exit_distance) + ": "
         "the migration needs a programme's tooling and offers now, and learning everything "
         "in-house would take too long.",
         when=lambda i, c, f: f.exit_near and f.assets > 0,
         score={"self_service": -20}, programmes={"ammp": 30})

    # a new partner's hands only while one can be contracted before the exit
    rule(id="fit.time.exit_near.capacity", stage="fit", weight="time",
         because=lambda i, c, f: "The datacenter-exit deadline " + show(f.exit_distance) + ": "
         "a partner with capacity can add the hands the migration needs before it.",
         when=lambda i, c, f: f.exit_near and f.assets > 0 and not f.new_contract_late,
         score={"azure_expert_msp": 15})

    rule(id="fit.time.exit_within_two_years", stage="fit", weight="time",
         because=lambda i, c, f: "The datacenter must be vacated in " + show(f.exit_days)
         + " days: enough time to plan, but the migration has to run to a fixed date, which a "
         "migration programme supports.",
         when=lambda i, c, f: f.exit_in_window and not f.exit_near and f.assets > 0,
         score={"azure_expert_msp": 5, "self_service": -5}, programmes={"ammp": 20})

    rule(id="fit.time.exit_later", stage="fit", weight="time",
         because=lambda i, c, f: "The datacenter must be vacated in " + show(f.exit_days)
         + " days: beyond the two-year window, but still a fixed date that a migration "
         "programme's planning and tooling help the team meet.",
         when=lambda i, c, f: f.exit_days is not None and not f.exit_in_window and f.assets > 0,
         score={}, programmes={"ammp": 20})

    rule(id="fit.estate.unknown", stage="fit", weight="estate",
         because="The estate has not been fully inventoried; a Solution Assessment collects the "
         "data with tooling and turns it into cost and migration recommendations before anything "
         "is committed.",
         when=lambda i, c, f: not f.inventory_complete and not f.greenfield,
         score={"solution_assessment": 30})

    # a complete list with guessed counts weighs as much as no inventory at all
    rule(id="fit.estate.counts_estimated", stage="fit", weight="estate",
         because=lambda i, c, f: "The list of systems is complete but its counts (" + show(f.assets)
         + ") are estimates; proposals and programme funding are sized on counted numbers, which "
         "a Solution Assessment's tooling collects.",
         when=lambda i, c, f: f.counts_estimated and f.inventory_complete and f.assets > 0
         and not f.greenfield,
         score={"solution_assessment": 30})

    rule(id="fit.estate.known", stage="fit", weight="estate",
         because="The inventory is complete, its counts are counted rather than estimated, and "
         "planning is not a focus area, so a separate assessment would add little.",
         when=lambda i, c, f: not f.estate_estimated and not c.in_focus.get("plan"),
         score={"solution_assessment": -10})

    # a small, counted estate leaves nothing for tooling to discover
    rule(id="fit.estate.known.small", stage="fit", weight="estate",
         because=lambda i, c, f: "The inventory is complete and counted, and the estate is small ("
         + show(f.assets) + " servers, databases and applications): a tooling-based assessment "
         "would find nothing the inventory does not already say, and the plan still missing is one "
         "the partner that moves it can help write.",
         when=lambda i, c, f: not f.estate_estimated and c.in_focus.get("plan") and f.small_estate,
         score={"solution_assessment": -20})

    # ---- 45-fit-support.lua -------------------------------------------------------------

    rule(id="fit.support.mission_critical", stage="fit", weight="support",
         because=lambda i, c, f: show(f.mission_critical_workloads) + ": a severity-A response "
         "within an hour and proactive guidance are needed, which a higher support tier gives.",
         when=lambda i, c, f: f.mission_critical > 0,
         score={"azure_support": 30})

    # a need already met earns nothing for anyone
    rule(id="fit.support.mission_critical.partner", stage="fit", weight="support",
         because=lambda i, c, f: "The plan held today (" + show(f.support_held_name) + ") does not "
         "give the " + show(f.mission_critical_workloads) + " the response needed; a managed "
         "partner that provides it is another way to close the gap.",
         when=lambda i, c, f: f.mission_critical > 0 and not f.support_covered,
         score={"azure_expert_msp": 5})

    rule(id="fit.support.unit_critical", stage="fit", weight="support",
         because=lambda i, c, f: show(f.unit_critical_workloads) + ": an outage stops a business "
         "unit, so business-critical support with a one-hour response fits them.",
         when=lambda i, c, f: f.mission_critical == 0 and f.unit_critical > 0,
         score={"azure_support": 20})

    rule(id="fit.support.production", stage="fit", weight="support",
         because="Production workloads run without a business-critical label; a production support "
         "plan with technical help is still needed once they are in Azure.",
         when=lambda i, c, f: f.mission_critical + f.unit_critical == 0
         and f.production_workloads > 0,
         score={"azure_support": 10})

    rule(id="fit.support.below_tier", stage="fit", weight="support",
         because=lambda i, c, f: "Support held today (" + show(f.support_held_name) + ") is below "
         "the " + show(f.recommended_tier_name) + " tier these workloads call for.",
         when=lambda i, c, f: f.support_below_tier, score={"azure_support": 10})

    # a gap in production is open today, not at a future go-live
    rule(id="fit.support.live_gap", stage="fit", weight="support",
         because=lambda i, c, f: "Production already runs in Azure with " + show(f.support_held_name)
         + " held, below the " + show(f.recommended_tier_name) + " tier its workloads call for: the gap "
         "is open today, so closing it comes first.",
         when=lambda i, c, f: f.live_support_gap,
         score={"azure_support": 20})

    # business-critical workloads live without their tier: the plan leads any partner
    rule(id="fit.support.live_gap.critical", stage="fit", weight="support",
         because=lambda i, c, f: "The workloads running short of support today are business-critical ("
         + show(f.recommended_tier_name) + "): no provider's first-line support answers for them, so "
         "buying the plan comes before choosing a partner.",
         when=lambda i, c, f: f.live_support_gap and f.critical_tier,
         score={"azure_support": 10})

    rule(id="fit.support.covered", stage="fit", weight="support",
         because=lambda i, c, f: "Support held today (" + show(f.support_held_name) + ") already "
         "meets the " + show(f.recommended_tier_name) + " tier these workloads call for, so no "
         "support purchase is needed now.",
         when=lambda i, c, f: f.support_covered, score={"azure_support": -30})

    # points and a reason that depend on the approach
    def regulated_because(i, c, f):
        text = ("A regulator expects evidence that critical IT is run under control; a support "
                "contract with defined response times makes that case more easily than "
                "self-service")
        if f.approach != "develop_skills":
            return (text + ", and work handed to a partner should go to one that is third-party "
                    "audited.")
        return text + "."

    def regulated_score(i, c, f):
        t = {"azure_support": 10, "self_service": -10}
        if f.approach != "develop_skills":
            t["azure_expert_msp"] = 10
        return t

    rule(id="fit.regulation.regulated", stage="fit", weight="regulation",
         because=regulated_because, when=lambda i, c, f: f.regulated, score=regulated_score)

    # ---- 50-fit-procurement.lua ------------------------------------------------------------

    decide(on="procurement.billing_preference", stage="fit", weight="procurement", rows=[
        {"id": "fit.procurement.single_invoice", "is": "single_invoice",
         "because": "One invoice covering licences, consumption and services is what a Cloud "
         "Solution Provider offers, and an Azure Expert MSP can bill the same way.",
         "score": {"csp": 25, "azure_expert_msp": 10}},
        {"id": "fit.procurement.pay_as_you_go", "is": "pay_as_you_go",
         "because": "Monthly pay-as-you-go billing is the flexible model that solution providers "
         "and managed service partners run for their customers.",
         "score": {"csp": 10, "azure_expert_msp": 5}},
        {"id": "fit.procurement.enterprise_agreement", "is": "enterprise_agreement",
         "because": "Azure is bought under an enterprise agreement directly with Microsoft, so a "
         "reseller's billing adds little, while support can be negotiated alongside the agreement.",
         "score": {"csp": -10, "azure_support": 5}},
    ])

    # an incumbent can be extended faster than a new supplier can be contracted;
    # when a new supplier would be signed only after the exit, it is the one route
    def only_route_because(name):
        return lambda i, c, f: ("A new supplier takes " + show(f.lead_time) + " days to contract "
                                "and the datacenter exit " + show(f.exit_distance) + ": the "
                                + name + " already under contract is the one partner that can "
                                "add hands before it.")
    decide(on="f.incumbent_partner", stage="fit", weight="procurement", rows=[
        {"id": "fit.procurement.incumbent.csp", "is": "csp",
         "when": lambda i, c, f: f.contracting_presses,
         "because": "A Cloud Solution Provider is already under contract or on the approved vendor "
         "list; extending it avoids the lead time of contracting a new supplier.",
         "score": {"csp": 10}},
        {"id": "fit.procurement.incumbent.msp", "is": "azure_expert_msp",
         "when": lambda i, c, f: f.contracting_presses,
         "because": "An Azure Expert MSP is already under contract or on the approved vendor list; "
         "extending it avoids the lead time of contracting a new supplier.",
         "score": {"azure_expert_msp": 10}},
        {"id": "fit.procurement.incumbent.only_route.csp", "is": "csp",
         "when": lambda i, c, f: f.new_contract_late and f.assets > 0,
         "because": only_route_because("Cloud Solution Provider"), "score": {"csp": 30}},
        {"id": "fit.procurement.incumbent.only_route.msp", "is": "azure_expert_msp",
         "when": lambda i, c, f: f.new_contract_late and f.assets > 0,
         "because": only_route_because("Azure Expert MSP"), "score": {"azure_expert_msp": 30}},
    ])

    # an Expert MSP under contract covers what a new solution provider would add
    rule(id="fit.procurement.incumbent.msp.covers_provider", stage="fit", weight="procurement",
         because="An Azure Expert MSP is already under contract; it provides the hands, billing and "
         "first-line support a new Cloud Solution Provider would, so a second provider adds a "
         "contract rather than help.",
         when=lambda i, c, f: f.incumbent_partner == "azure_expert_msp",
         score={"csp": -15})

    rule(id="fit.procurement.no_subscription", stage="fit", weight="procurement",
         because="There is no paid Azure subscription yet; a Cloud Solution Provider can provision "
         "the first subscriptions and billing as part of its service.",
         when=lambda i, c, f: not f.paid_subscription, score={"csp": 10})

    # ---- 60-shortlist.lua --------------------------------------------------------------------

    # the legacy options whose successor has started, and those whose successor has not
    rule(id="shortlist.legacy", stage="shortlist",
         because="A legacy programme stays in the report for reference, but its successor has "
         "started and is what to pursue now.",
         exclude=lambda i, c, f: [o["id"] for o in OPTIONS if c.lifecycle(o["id"]) == "legacy"
                                  and c.carrier(o["id"]) != o["id"]])

    rule(id="shortlist.legacy.gap", stage="shortlist",
         because=lambda i, c, f: "The programme is winding down and what replaces it has not "
         "started on this date: ask " + f.who_to_ask + " which route is open before counting on it.",
         exclude=lambda i, c, f: [o["id"] for o in OPTIONS if c.lifecycle(o["id"]) == "legacy"
                                  and c.carrier(o["id"]) == o["id"]])

    rule(id="shortlist.support.covered", stage="shortlist",
         because="The support plan held today already meets the tier the workloads call for: "
         "there is nothing to buy, so it takes no place on the shortlist.",
         when=lambda i, c, f: f.support_covered, exclude=["azure_support"])

    rule(id="shortlist.support.through_csp", stage="shortlist",
         because="Support comes with the Cloud Solution Provider (bought through one today, or part "
         "of the one invoice wanted), and the workloads need no more than its first-line support "
         "covers: a direct plan is nothing separate to buy, so it takes no place on the shortlist.",
         when=lambda i, c, f: f.support_through_csp, exclude=["azure_support"])

    rule(id="shortlist.msp.small", stage="shortlist",
         because="A small organisation that hands no process over to be run for it buys help in "
         "proportion: one solution provider, not an audited managed service built for consumption "
         "at scale.",
         when=lambda i, c, f: f.msp_out_of_proportion,
         exclude=["azure_expert_msp"])

    # one invoice means one provider: an Expert MSP ranked above the CSP bills itself
    rule(id="shortlist.csp.msp_bills", stage="shortlist",
         because="One invoice is wanted, and the Azure Expert MSP ranked above the Cloud Solution "
         "Provider provisions, bills and answers first-line support itself: a provider beside it "
         "would be a second contract and a second invoice.",
         when=lambda i, c, f: f.billing_preference == "single_invoice"
         and not f.msp_out_of_proportion
         and not (f.incumbent_partner == "csp" and f.contracting_presses)
         and c.score["azure_expert_msp"] > c.score["csp"]
         and c.score["azure_expert_msp"] >= c.min_score,
         exclude=["csp"])

    # under an enterprise agreement the MSP above the CSP supplies the hands
    rule(id="shortlist.csp.under_agreement", stage="shortlist",
         because="Azure is bought directly under an enterprise agreement, so a solution provider's "
         "provisioning and billing are not needed, and the Azure Expert MSP ranked above it "
         "supplies the hands: a provider beside it would be one more contract, not more help.",
         when=lambda i, c, f: f.billing_preference == "enterprise_agreement"
         and not f.msp_out_of_proportion and f.incumbent_partner != "csp"
         and c.score["azure_expert_msp"] > c.score["csp"]
         and c.score["azure_expert_msp"] >= c.min_score,
         exclude=["csp"])

    rule(id="shortlist.programme.small", stage="shortlist",
         because="A small organisation with a small estate moves it with one provider: a "
         "migration programme's nominations, funding requests and several parties are out of "
         "proportion to a few dozen workloads, unless it is building something new, where the "
         "programme's innovation funding still fits.",
         when=lambda i, c, f: f.small_organisation and f.small_estate
         and not c.in_focus.get("innovate"),
         exclude=["ammp"])

    rule(id="shortlist.fasttrack.subscription", stage="shortlist",
         because="FastTrack for Azure requires an active paid subscription, which the organisation "
         "does not have yet.",
         when=lambda i, c, f: f.fasttrack_closed,
         exclude=["fasttrack_for_azure"])

    rule(id="shortlist.self_service.deadline", stage="shortlist",
         because=lambda i, c, f: "Self-service suits teams with no pressing deadline; a datacenter "
         "exit that " + show(f.exit_distance) + ", with a team that is still maturing, rules it "
         "out.",
         when=lambda i, c, f: f.exit_near and f.average_maturity < T.defined_maturity,
         exclude=["self_service"])

    # ---- 70-engage.lua -------------------------------------------------------------------------

    def negotiated(f, live):
        """A Unified agreement is negotiated with Microsoft, not bought online: its contract
        takes the organisation's lead time, and production needs a plan meanwhile."""
        lt = f.lead_time
        text = (" Unified is an agreement negotiated with Microsoft, not a plan bought online: "
                "open the negotiation now"
                + (", as contracting usually takes " + lua_str(lt) + " days here" if lt is not None else ""))
        if not live:
            return text + ", and have it signed before the first production workload goes live."
        if f.support_held == "professional_direct":
            return text + "; the Professional Direct plan held today covers production until it is signed."
        return text + "; until it is signed, cover production with Professional Direct, which is bought online."

    def tier_step(i, c, f):
        text = ("Recommended tier: " + f.recommended_tier_name + " - " + f.recommended_tier_reason
                + ".")
        if f.support_covered:
            return (text + " The " + f.support_held_name + " plan held today already covers this; "
                    "review it at renewal.")
        if f.support_leaving and f.support_through_csp:
            # a new provider is to carry support: no gap if it starts in time
            return (text + " Support is bought today through the Cloud Solution Provider being "
                    "replaced and ends with its contract: have the new provider's support signed and "
                    "started before then, with response times that meet this tier written into its "
                    "contract.")
        if f.support_through_csp and f.live_support_gap and f.support_awaits_csp:
            # the provider is not signed yet, and production runs today
            return (text + " Support is to come with the Cloud Solution Provider, but production "
                    "already runs in Azure on " + f.support_held_name + ": until the provider's "
                    "support is signed the live workloads have no " + f.recommended_tier_name
                    + " response, so sign the provider first, with its support starting on signature "
                    "and response times that meet this tier written into its contract.")
        if f.support_through_csp:
            return (text + " Support comes with the Cloud Solution Provider: write response times "
                    "that meet it into the provider's contract instead of buying a direct plan.")
        live = f.production_in_azure
        if f.support_via_csp and f.support_held == "none":
            return (text + " Support is bought through a Cloud Solution Provider today: check that "
                    "its response times meet this tier, and buy a direct plan only where they fall "
                    "short" + ("; production already runs in Azure, so check now." if live
                               else ", before the first production workload goes live."))
        if f.support_leaving:
            return (text + " Support is bought today through the Cloud Solution Provider being "
                    "replaced and ends with its contract: "
                    + ("production already runs in Azure, so buy a direct plan now to cover the "
                       "change of provider, and drop it only once the new partner's support is "
                       "signed and meets this tier." if live else
                       "buy a direct plan before that contract ends, unless the new partner's "
                       "support is signed by then and meets this tier."))
        if f.recommended_tier == "developer":
            # nothing in production: no production plan to buy yet, but one to plan
            return (text + " Held today: " + f.support_held_name + "; Developer is enough while "
                    "nothing runs in production, and a production plan (Standard or above) is due "
                    "before the first production workload goes live.")
        if f.recommended_tier == "unified":
            # negotiated, not bought online: the lead time applies, and what runs meanwhile needs cover
            return (text + (" No support plan is held today." if f.support_held == "none"
                            else " Held today: " + f.support_held_name + ".") + negotiated(f, live))
        if f.support_held == "none":
            return text + (" No support plan is held and production already runs in Azure: buy it "
                           "now." if live else " No support plan is held today: buy it before the "
                           "first production workload goes live.")
        return (text + " Held today: " + f.support_held_name
                + ("; production already runs in Azure, so upgrade now." if live
                   else "; upgrade before the first production workload goes live."))

    # before the tier to buy: whether to buy a direct plan at all
    rule(id="engage.csp.support_overlap", stage="engage",
         because="A Cloud Solution Provider is the first point of contact for support, so buying a "
         "direct plan as well can mean paying twice.",
         options=["csp", "azure_support"],
         when=lambda i, c, f: c.shortlisted["csp"] and c.shortlisted["azure_support"]
         and not f.support_via_csp and not f.live_support_gap,
         step="Before buying or upgrading a direct plan, decide whether technical support comes "
         "through the Cloud Solution Provider or a direct Azure support plan, and write the "
         "escalation path into the contract.")

    rule(id="engage.support.tier", stage="engage",
         because="The support tier follows the criticality of the workloads, compared with the "
         "plan held today.",
         options=["azure_support"], step=tier_step)

    OPTION_BY_ID = {o["id"]: o for o in OPTIONS}

    def when_too_slow(f, option_id):
        """What to do when the contract cannot be signed in time; on the
        incumbent's own row, an order under the agreement already signed."""
        if f.incumbent_partner == option_id:
            return ("extend it by a change or work order under the agreement already signed, "
                    "which need not wait for a full contract cycle, or start a bridging engagement")
        if f.incumbent_partner != "none":
            named = next(("the incumbent " + o["name"] for o in OPTIONS
                          if o["id"] == f.incumbent_partner), "the current partner")
            return ("extend " + named + "'s contract for the first phase, or start a "
                    "bridging engagement while the new contract is signed")
        if f.replaced_partner:
            # the partner on its way out can still bridge, for a short term
            return ("agree a short bridging term with the partner being replaced, or use a "
                    "framework or pre-approved supplier, while the new contract is signed")
        return ("use a framework or pre-approved supplier, or start a bridging engagement while "
                "the contract is signed")

    def when_squeezed(f, option_id):
        """What to do when the contract still fits before the exit but eats much of the time."""
        if f.incumbent_partner == option_id:
            return ("extend it by a change or work order under the agreement already signed "
                    "rather than wait for a new contract")
        if f.incumbent_partner != "none":
            named = next(("the incumbent " + o["name"] for o in OPTIONS
                          if o["id"] == f.incumbent_partner), "the current partner")
            return ("ask for an expedited or framework route, or start the first phase with "
                    + named + " under the agreement already signed")
        return "ask for an expedited or framework route"

    def contract_step(o):
        """The contract step of one option: a programme is contracted through the
        qualifying partner that delivers it."""
        with_ = (" with the qualifying partner that delivers " + option_name(o["id"])
                 if o.get("through_partner") else "")

        def step(i, c, f):
            incumbent = f.incumbent_partner == o["id"]
            # a programme's partner may be the one already signed
            signed = o.get("through_partner") and f.incumbent_partner in OPTION_BY_ID
            opener = "Start contract and paperwork review" + with_ + " now"
            if incumbent:
                opener = ("Start the review of the incumbent " + option_name(o["id"]) + "'s contract "
                          "now, to extend it to this work rather than tender it anew")
                # an estimate is no basis to size the extension on
                if f.estate_estimated and c.shortlisted["solution_assessment"]:
                    opener += (", first for the count of the estate (if it is qualified to run it) "
                               "and the first phase, sizing the rest on the count")
            elif signed:
                opener = ("Start contract and paperwork review" + with_ + " (the incumbent "
                          + option_name(f.incumbent_partner) + ", if it qualifies) now")
            elif o.get("through_partner") and c.shortlisted["azure_expert_msp"]:
                opener = ("Start contract and paperwork review" + with_ + " (the Azure Expert MSP "
                          "chosen, if it qualifies, so that one partner does both) now")
            elif o.get("through_partner"):
                # no partner is named yet: choosing one is the first move
                opener = ("Choose a qualifying partner that delivers " + option_name(o["id"])
                          + " and start contract and paperwork review with it now")
            parts = [opener]
            lt = f.lead_time
            if lt is not None:
                parts.append((": a new contract usually takes " if incumbent
                              else ": contracting usually takes ") + lua_str(lt) + " days here")
            if f.approved_vendor_list and not incumbent:
                parts.append(("," if lt is not None else ":")
                             + " and the supplier may first need to join the approved vendor "
                             "list")
            d = f.exit_days
            if d is not None and lt is not None:
                # the top option's escalation step says what to do instead, once
                escalated = f.procurement_squeeze and c.top == o["id"]
                if d < 0:
                    parts.append("; the datacenter-exit date has already passed")
                    if not escalated:
                        parts.append(", so " + when_too_slow(f, o["id"]))
                elif lt >= d:
                    over = (lua_str(lt - d) + " days more than") if lt > d else "as long as"
                    parts.append("; that is " + over + " the " + lua_str(d) + " days left before "
                                 "the datacenter exit")
                    if not escalated:
                        parts.append(", so " + when_too_slow(f, o["id"]))
                elif incumbent:
                    # the arithmetic is the new contract's, not the extension's
                    parts.append(", which would leave " + lua_str(d - lt) + " of the " + lua_str(d)
                                 + " days before the datacenter exit; a change to the agreement "
                                 "already signed need not wait that long")
                else:
                    parts.append("; " + lua_str(d - lt) + " of the " + lua_str(d)
                                 + " days before the datacenter exit remain once the contract is "
                                 "signed")
            # the top row has engage.sponsor.missing's step before this one
            if not f.executive_sponsor and c.top != o["id"]:
                parts.append("; name an executive sponsor before anything beyond a first, bounded "
                             "piece of work is signed")
            return "".join(parts) + "."
        return step

    # before any "open the review now": a sponsor to commit the budget
    rule(id="engage.sponsor.missing", stage="engage",
         because="Multi-year managed services and funded programmes need someone who can commit "
         "budget.",
         options="top",
         when=lambda i, c, f: not f.executive_sponsor and c.top != "self_service",
         step="Name an executive sponsor first: no contract beyond a first, bounded piece of "
         "work should be signed without one.")

    # the same kind of partner as the one being replaced: proposals without it, for the takeover
    REPLACEMENT_STEP = {
        "csp": "Ask two or three Cloud Solution Providers other than the one being replaced for a "
               "proposal covering the transfer of the subscriptions and billing from the outgoing "
               "provider, provisioning, billing and first-line support, and agree the support-case "
               "and escalation path before signing.",
        "azure_expert_msp": "Invite audited Azure Expert MSPs other than the one being replaced to "
                            "present how they would take over what it runs and help in the requested "
                            "areas, with a transition plan, and ask for customer references of "
                            "similar size and sector.",
    }
    for oid in ("csp", "azure_expert_msp"):
        if oid in OPTION_BY_ID:
            rule(id="engage.replace." + oid, stage="engage",
                 because="The partner being replaced is not a candidate for the same role; the new "
                 "one must take over what it runs as well as the new work.",
                 options=[oid],
                 when=lambda i, c, f, oid=oid: c.shortlisted[oid] and f.replaced_partner == oid,
                 replaces_catalogue_step=True, step=REPLACEMENT_STEP[oid])

    rule(id="engage.msp.regulated", stage="engage",
         because="Regulators expect outsourcing to be checked against their rules before contracts "
         "are signed.",
         options=["azure_expert_msp"],
         when=lambda i, c, f: f.regulated and c.shortlisted["azure_expert_msp"],
         step="Ask each candidate for its third-party audit report and check it against the "
         "regulator's outsourcing requirements before contract review.")

    # one rule per option the catalogue marks as contracted
    for o in OPTIONS:
        if o.get("contracted"):
            rule(id="engage.contract." + o["id"], stage="engage",
                 because="Contracting takes time, more so when a supplier must first be added to "
                 "an approved vendor list; reviewing terms early removes a barrier for when the "
                 "teams need help most.",
                 options=[o["id"]],
                 when=lambda i, c, f, oid=o["id"]: c.shortlisted[oid]
                 and f.review_contracts_early and f.incumbent_partner != oid,
                 step=contract_step(o))
    # the incumbent's own row: extended, in place of the catalogue's proposals
    for oid in ("csp", "azure_expert_msp"):
        o = OPTION_BY_ID.get(oid)
        if o is not None:
            rule(id="engage.extend." + oid, stage="engage",
                 because="A partner already under contract can take on this work by a change to "
                 "the agreement signed, faster than any new supplier can be contracted; asking "
                 "the market first would only delay it.",
                 options=[oid],
                 when=lambda i, c, f, oid=oid: c.shortlisted[oid] and f.incumbent_partner == oid
                 and (f.review_contracts_early or f.exit_near),
                 replaces_catalogue_step=True, step=contract_step(o))

    # an option bundled or retired soon, or before a contract started now is signed
    def change_ahead_step(o):
        def step(i, c, f):
            date, status, successor = c.change_ahead(o["id"], f.lead_time if o.get("contracted") else None)
            late = c.change_ahead(o["id"]) is None  # past the notice window, within the lead time
            days = c.days_until(date)
            commit = "before signing" if o.get("contracted") else "before committing to it"
            # a successor that starts later leaves a gap
            starts = None
            if successor:
                starts = next((e["from"] for e in OPTION_BY_ID[successor].get("lifecycle") or []
                               if e["status"] == "active"), None)
            gap = starts is not None and starts > date
            return (option_name(o["id"]) + " is " + status + " from " + date + ", " + lua_str(days)
                    + (" day" if days == 1 else " days") + " after the assessment"
                    + (", before a contract started now would be signed" if late else "")
                    + (", and nothing carries it on until " + option_name(successor) + " starts on "
                       + starts if gap else "")
                    + (": agree how the engagement carries over to " + option_name(successor) + " "
                       + commit + "." if successor else ": confirm it is still open " + commit + "."))
        return step
    for o in OPTIONS:
        if len(o.get("lifecycle") or []) > 1:
            rule(id="engage.change_ahead." + o["id"], stage="engage",
                 because="A programme that changes (bundled into another, retired) soon, or before its "
                 "contract would be signed, changes under the engagement: how the engagement carries "
                 "over is agreed before committing.",
                 options=[o["id"]],
                 when=lambda i, c, f, o=o: c.shortlisted[o["id"]]
                 and c.change_ahead(o["id"], f.lead_time if o.get("contracted") else None) is not None,
                 step=change_ahead_step(o))

    def squeeze_step(i, c, f):
        if f.exit_days <= 0:
            return ("Escalate procurement: the datacenter-exit date "
                    + ("has already passed" if f.exit_days < 0 else "is today")
                    + " and a new contract takes " + lua_str(f.lead_time) + " days here; "
                    + when_too_slow(f, c.top) + ".")
        if f.days_short > 0 or f.lead_time == f.exit_days:
            return ("Escalate procurement: a " + lua_str(f.lead_time) + "-day contract cycle does "
                    "not fit in the " + lua_str(f.exit_days) + " days left before the datacenter "
                    "exit (" + lua_str(f.days_short) + " days short); " + when_too_slow(f, c.top)
                    + ".")
        return ("Escalate procurement: a " + lua_str(f.lead_time) + "-day contract cycle uses "
                + lua_str(f.lead_time) + " of the " + lua_str(f.exit_days) + " days left before "
                "the datacenter exit; " + when_squeezed(f, c.top) + ".")

    rule(id="engage.contract.deadline_squeeze", stage="engage",
         because="When contracting would use up a third or more of the time left before a "
         "datacenter exit, procurement is on the critical path and must be escalated.",
         options="top", when=lambda i, c, f: f.procurement_squeeze,
         step=squeeze_step)

    def leader_step(i, c, f):
        # a kind of provider is not a supplier: choose one first, unless the incumbent is of it
        text = option_name(c.top) + (" is the clear leader: open the contract and paperwork "
                                     "review with the incumbent now." if f.incumbent_partner == c.top
                                     else " is the clear leader: choose among the providers "
                                     "invited and open the contract and paperwork review with the "
                                     "one chosen now.")
        for o in OPTIONS:
            if o["id"] == c.top and o.get("through_partner"):
                text = (option_name(c.top) + " is the clear leader: choose a qualifying partner "
                        "that delivers it and open the contract and paperwork review with that "
                        "partner now.")
        # the row's contract step has said "start now", and named a change ahead, already
        if f.review_contracts_early or c.top in f.extend_first:
            others = any(o["id"] != c.top and c.shortlisted[o["id"]] for o in OPTIONS)
            return option_name(c.top) + (" is the clear leader: give its contract review "
                                         "priority over the others." if others else " is the "
                                         "only option shortlisted: see its contract review "
                                         "through first.")
        # a leader about to change: its own step says so (engage.change_ahead.*)
        return text

    # only an option the catalogue marks as contracted has a contract review to open
    CONTRACTED = {o["id"]: True for o in OPTIONS if o.get("contracted")}

    def leader_when(i, c, f):
        top = c.top
        if top is None or not CONTRACTED.get(top) or not c.shortlisted[top]:
            return False
        # the assessment comes first when nobody knows the estate: no commitment yet
        if c.shortlisted["solution_assessment"] and f.estate_estimated:
            return False
        second = 0
        for o in OPTIONS:
            if o["id"] != top and c.shortlisted[o["id"]] and c.score[o["id"]] > second:
                second = c.score[o["id"]]
        return c.score[top] >= T.clear_leader_ratio * second

    # a partner being replaced hands over what it runs
    rule(id="engage.handover", stage="engage",
         because="Replacing a partner means taking back what it runs; notice periods, knowledge "
         "and access are lost when the exit is not planned before the new contract starts.",
         options="top",
         when=lambda i, c, f: f.replaced_partner is not None,
         step="Plan the handover from the partner being replaced now: its notice period and exit "
         "terms, the runbooks, documentation and access to transfer, and an overlap so that "
         "nothing it runs is left without an owner.")

    rule(id="engage.clear_leader", stage="engage",
         because="When one option clearly outscores the rest, the guidance is to start the "
         "contract review with it rather than wait for the full plan.",
         options="top", when=leader_when, step=leader_step)

    rule(id="engage.fasttrack.nomination", stage="engage",
         because="FastTrack for Azure is reached through a Microsoft nomination, not bought from a "
         "supplier.",
         options=["fasttrack_for_azure"],
         when=lambda i, c, f: c.shortlisted["fasttrack_for_azure"]
         and c.lifecycle("fasttrack_for_azure") == "active",
         step=lambda i, c, f: "Ask the Microsoft account team for a nomination now, alongside any "
         "partner search, and confirm the paid subscription it will run on." if f.account_team
         else "Without a Microsoft account team, ask a partner to request the nomination now, and "
         "confirm the paid subscription it will run on.")

    rule(id="engage.assessment.first", stage="engage",
         because="Migration proposals and programme funding rest on a counted estate inventory, "
         "which this organisation does not have yet.",
         options=["solution_assessment"],
         when=lambda i, c, f: c.shortlisted["solution_assessment"] and f.estate_estimated,
         step="Run the assessment first: its counted inventory is the input partners and "
         "programmes need for firm proposals.")

    return pack


# --------------------------------------------------------------------------
# CSV in partnerfit's format (pf_csv)
# --------------------------------------------------------------------------

FORMULA_STARTS = "=+-@\t\r\n"


def cell(v):
    if v is None:
        return '""'
    if isinstance(v, bool):
        return '"yes"' if v else '"no"'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        s = "%.2f" % v
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return "0" if s == "-0" else s
    s = v
    t = s.lstrip(" ")
    if t and t[0] in FORMULA_STARTS:
        s = "'" + s
    return '"' + s.replace('"', '""') + '"'


def row(cells):
    return ",".join(cell(c) for c in cells) + "\n"


# --------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------


def scan(path, out):
    if os.path.isdir(path):
        for name in sorted(os.listdir(path)):
            if name.startswith("."):
                continue
            full = path + name if path.endswith("/") else path + "/" + name
            if os.path.isdir(full):
                scan(full, out)
            elif name.endswith(".yaml") or name.endswith(".yml"):
                out.append(full)
    else:
        out.append(path)


def cmd_run(args):
    raw_policy = read_config(args.policy)
    pol = Policy(raw_policy)
    schema_path = os.path.join(os.path.dirname(args.policy), raw_policy["schema"])
    raw_schema = read_config(schema_path)
    root = build_spec({"type": "object", "fields": raw_schema["fields"]}, raw_schema["enums"])
    unique = [name for name, f in root.fields if f.unique]
    pack = build_pack(pol)
    nrules = pack.count

    files = []
    for p in args.paths:
        scan(p, files)
    os.makedirs(args.out, exist_ok=True)
    rec_cols = ["intake_id", pol.label_column, "rank", "option_id", "option_name", "score",
                "shortlisted", "areas_covered", "why", "next_step", "lifecycle_note",
                "shortlist_note", "source"]
    need_cols = ["intake_id", pol.label_column, "area_id", "area_name", "need_level",
                 "need_label", "drivers", "source"]
    seen = {}
    evaluated = rejected = 0
    # Like partnerfit: every report gets a SHA-256 for the manifest and is
    # fsynced before it is renamed into place.
    reports = {}
    for name in ("recommendations.csv", "needs.csv", "rejects.csv"):
        final = os.path.join(args.out, name)
        reports[name] = (open(final + ".tmp", "w", encoding="utf-8", newline=""),
                         hashlib.sha256(), final)

    def emit(name, text):
        f, digest, _ = reports[name]
        f.write(text)
        digest.update(text.encode("utf-8"))

    emit("recommendations.csv", row(rec_cols))
    emit("needs.csv", row(need_cols))
    emit("rejects.csv", row(["file", "line", "column", "field", "kind", "reason"]))
    for path in files:
        errs = []
        intake = None
        try:
            with open(path, "rb") as f:
                doc = yaml.load(f, Loader=TextLoader)
            intake = check_value(root, doc, "", errs)
        except yaml.YAMLError as e:
            errs.append(("", "yaml.syntax", str(e).replace("\n", " ")))
        if not errs and unique:
            key = intake.get(unique[0])
            if key in seen:
                errs.append((unique[0], "intake.duplicate_id", "already used by " + seen[key]))
            else:
                seen[key] = path
        if errs:
            rejected += 1
            emit("rejects.csv", "".join(row([path, "", "", field, kind, msg])
                                        for field, kind, msg in errs))
            continue
        recs, needs = evaluate(pol, pack, intake, path)
        emit("recommendations.csv", "".join(row(r) for r in recs))
        emit("needs.csv", "".join(row(r) for r in needs))
        evaluated += 1
    with open(os.path.join(args.out, "manifest.txt.tmp"), "w", encoding="utf-8") as m:
        for name, (f, digest, final) in reports.items():
            f.flush()
            os.fsync(f.fileno())
            f.close()
            os.replace(final + ".tmp", final)
            m.write("%s %s\n" % (name, digest.hexdigest()))
        m.flush()
        os.fsync(m.fileno())
    os.replace(os.path.join(args.out, "manifest.txt.tmp"), os.path.join(args.out, "manifest.txt"))
    if not args.quiet:
        print("reference.py: %d files: %d evaluated, %d rejected; %d rules; reports in %s/"
              % (len(files), evaluated, rejected, nrules, args.out), file=sys.stderr)
    return 0 if rejected == 0 else 1


# --------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------


def read_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        r = csv.reader(f)
        header = next(r)
        return header, list(r)


def cmd_compare(args):
    a_dir, b_dir = args.partnerfit, args.reference
    _, a_rec = read_rows(os.path.join(a_dir, "recommendations.csv"))
    _, b_rec = read_rows(os.path.join(b_dir, "recommendations.csv"))
    _, a_need = read_rows(os.path.join(a_dir, "needs.csv"))
    _, b_need = read_rows(os.path.join(b_dir, "needs.csv"))
    _, a_rej = read_rows(os.path.join(a_dir, "rejects.csv"))
    _, b_rej = read_rows(os.path.join(b_dir, "rejects.csv"))

    def by_intake(rows):
        out = {}
        for r in rows:
            out.setdefault(r[0], []).append(r)
        return out

    a_i, b_i = by_intake(a_rec), by_intake(b_rec)
    an_i, bn_i = by_intake(a_need), by_intake(b_need)
    ids = sorted(set(a_i) | set(b_i))
    both = [i for i in ids if i in a_i and i in b_i]
    score_rank = shortlist = full = needs_lv = needs_full = 0
    first_diff = None
    for i in both:
        ra = {r[3]: r for r in a_i[i]}
        rb = {r[3]: r for r in b_i[i]}
        # rank (2), option (3), score (5), shortlisted (6)
        if ra.keys() == rb.keys() and all(
                (ra[o][2], ra[o][5], ra[o][6]) == (rb[o][2], rb[o][5], rb[o][6]) for o in ra):
            score_rank += 1
        sa = [r[3] for r in a_i[i] if r[6] == "yes"]
        sb = [r[3] for r in b_i[i] if r[6] == "yes"]
        if sa == sb:
            shortlist += 1
        if a_i[i] == b_i[i]:
            full += 1
        elif first_diff is None:
            for x, y in zip(a_i[i], b_i[i]):
                if x != y:
                    col = next(k for k in range(len(x)) if k >= len(y) or x[k] != y[k])
                    first_diff = (i, x[3], col, x[col], y[col] if col < len(y) else None)
                    break
        na, nb = an_i.get(i, []), bn_i.get(i, [])
        if [(r[2], r[4]) for r in na] == [(r[2], r[4]) for r in nb]:
            needs_lv += 1
        if na == nb:
            needs_full += 1
    rej_a = sorted({r[0] for r in a_rej})
    rej_b = sorted({r[0] for r in b_rej})
    n = len(both) or 1

    def pct(k):
        return "%.2f%%" % (100.0 * k / n)

    print("compare.intakes_partnerfit %d" % len(a_i))
    print("compare.intakes_reference %d" % len(b_i))
    print("compare.intakes_both %d" % len(both))
    print("compare.rejected_partnerfit %d" % len(rej_a))
    print("compare.rejected_reference %d" % len(rej_b))
    print("compare.rejected_same %s" % ("yes" if rej_a == rej_b else "no"))
    print("compare.scores_ranks %s" % pct(score_rank))
    print("compare.shortlists %s" % pct(shortlist))
    print("compare.need_levels %s" % pct(needs_lv))
    print("compare.recommendation_rows %s" % pct(full))
    print("compare.needs_rows %s" % pct(needs_full))
    for name in ("recommendations.csv", "needs.csv"):
        with open(os.path.join(a_dir, name), "rb") as fa, open(os.path.join(b_dir, name), "rb") as fb:
            same = fa.read() == fb.read()
        print("compare.identical_%s %s" % (name.split(".")[0], "yes" if same else "no"))
    if first_diff:
        print("compare.first_difference intake=%s option=%s column=%d partnerfit=%r reference=%r"
              % first_diff)
    return 0


def main():
    ap = argparse.ArgumentParser(prog="reference.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--policy", default="policies/default.yaml")
    r.add_argument("--out", default="reports-reference")
    r.add_argument("-q", "--quiet", action="store_true")
    r.add_argument("paths", nargs="+")
    c = sub.add_parser("compare")
    c.add_argument("partnerfit")
    c.add_argument("reference")
    args = ap.parse_args()
    return cmd_run(args) if args.cmd == "run" else cmd_compare(args)


if __name__ == "__main__":
    sys.exit(main())
