#!/usr/bin/env python3
"""Checks of the HTML pages partnerfit writes, as a reader and a reviewer
would make them, on the DOM Chromium rendered (--dump-dom) or on the file.

  pages_check.py page FILE [TEXT...]   structure, accessibility, no remote
                                       load, no script; each TEXT is in it
  pages_check.py absent FILE TEXT...   none of the TEXTs is in the page text
  pages_check.py contrast POLICY       the policy's brief colours pass WCAG AA
  pages_check.py tidy OUT_DIR          contributions.csv and intakes.csv load
                                       with csv and agree with the reports

Exit 0 when every check passes; otherwise each failure is printed.
"""
import csv
import html.parser
import math
import re
import sys
from collections import defaultdict

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []          # (tag, attrs) in document order
        self.headings = []      # levels in order
        self.text = []
        self.stack = []
        self.tables = []        # per table: number of th cells
        self.svg = []           # per svg: [has title, has desc]
        self.csp = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "table":
            self.tables.append(0)
        if tag == "th" and self.tables:
            self.tables[-1] += 1
        if tag == "svg":
            self.svg.append([False, False])
        if tag in ("title", "desc") and self.svg and "svg" in self.stack:
            self.svg[-1][0 if tag == "title" else 1] = True
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content", "")
        if tag not in ("meta", "br", "img", "link", "input", "line", "rect"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        self.text.append(data)


def load(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.alltext = re.sub(r"\s+", " ", "".join(p.text))
    return p


def page(path, texts):
    p = load(path)
    tags = [t for t, _ in p.tags]
    check("script" not in tags, f"{path}: a <script> element")
    check(not any(k.lower().startswith("on") for _, a in p.tags for k in a), f"{path}: an on* attribute")
    check(p.csp is not None and "default-src 'none'" in p.csp, f"{path}: no CSP forbidding loads")
    check(p.csp is not None and "script-src" not in p.csp, f"{path}: the CSP allows scripts")
    for tag, a in p.tags:
        for k in ("src", "href", "xlink:href", "action", "srcset", "poster", "data"):
            v = (a.get(k) or "").strip().lower()
            check(not re.match(r"^(https?:|//|ftp:|javascript:)", v), f"{path}: <{tag} {k}={v}> loads from elsewhere")
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    check(not re.search(r"url\(\s*['\"]?(https?:|//)", raw), f"{path}: a CSS url() to elsewhere")
    check("@import" not in raw, f"{path}: a CSS @import")
    # headings in order: one h1, never a level skipped on the way down
    check(p.headings[:1] == [1] and p.headings.count(1) == 1, f"{path}: not exactly one h1, first")
    for prev, cur in zip(p.headings, p.headings[1:]):
        check(cur <= prev + 1, f"{path}: heading h{cur} after h{prev}")
    check(all(n > 0 for n in p.tables), f"{path}: a table without header cells")
    check(all(t and d for t, d in p.svg), f"{path}: a chart without <title> and <desc>")
    check(any(t == "html" and a.get("lang") for t, a in p.tags), f"{path}: no lang on <html>")
    for t in texts:
        check(t in p.alltext, f"{path}: '{t}' not in the page text")


def absent(path, texts):
    p = load(path)
    for t in texts:
        check(t not in p.alltext, f"{path}: '{t}' is in the page text")


def luminance(hex_colour):
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def ratio(a, b):
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def contrast(policy):
    import yaml
    with open(policy, encoding="utf-8") as f:
        colours = yaml.safe_load(f)["brief"]["colours"]
    # text on white; the badge's white text on the accent; table headers
    for name in ("text", "muted", "accent"):
        r = ratio(colours[name], "#ffffff")
        check(r >= 4.5, f"colour {name} {colours[name]} on white: {r:.2f} < 4.5")
        r = ratio(colours[name], "#eef1f5")
        check(r >= 4.5, f"colour {name} {colours[name]} on the header grey: {r:.2f} < 4.5")
    r = ratio("#ffffff", colours["accent"])
    check(r >= 4.5, f"white on accent {colours['accent']}: {r:.2f} < 4.5")
    # the darkest heat-map cell: 55 % of the need colour over white, with the text colour
    h = colours["need"].lstrip("#")
    mixed = "#" + "".join("%02x" % round(255 * 0.45 + int(h[i:i + 2], 16) * 0.55) for i in (0, 2, 4))
    r = ratio(colours["text"], mixed)
    check(r >= 4.5, f"text on the darkest heat-map cell {mixed}: {r:.2f} < 4.5")
    # bars are graphics next to their labels: 3:1 against white (WCAG 1.4.11)
    for name in ("need", "shortlisted", "cut"):
        r = ratio(colours[name], "#ffffff")
        check(r >= 3, f"bar colour {name} {colours[name]} on white: {r:.2f} < 3")


def rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def tidy(out):
    recs = rows(f"{out}/recommendations.csv")
    contribs = rows(f"{out}/contributions.csv")
    intakes = rows(f"{out}/intakes.csv")
    needs = rows(f"{out}/needs.csv")
    check(len(contribs) > 0 and len(intakes) > 0, "empty tidy reports")
    check(all(None not in r and None not in r.values() for r in contribs + intakes), "a row with too many or few cells")
    kinds = {r["kind"] for r in contribs}
    check(kinds <= {"need", "fit", "exclusion", "step"}, f"unknown kinds {kinds}")
    # fit points per intake and option add up to the score of recommendations.csv
    fit = defaultdict(float)
    need = defaultdict(float)
    for r in contribs:
        if r["kind"] == "fit":
            fit[(r["intake_id"], r["target_id"])] += float(r["points"])
        if r["kind"] == "need":
            need[(r["intake_id"], r["target_id"])] += float(r["points"])
    for r in recs:
        got = fit.get((r["intake_id"], r["option_id"]), 0.0)
        check(abs(got - float(r["score"])) < 1e-9, f"{r['intake_id']}/{r['option_id']}: points {got} != score {r['score']}")
    # need points, rounded and clamped, give the level of needs.csv
    for r in needs:
        pts = need.get((r["intake_id"], r["area_id"]), 0.0)
        level = max(0, min(5, math.floor(pts + 0.5)))
        check(level == int(r["need_level"]), f"{r['intake_id']}/{r['area_id']}: {pts} points but level {r['need_level']}")
    # one intakes.csv row per evaluated intake, its top the rank-1 row
    ids = [r["intake_id"] for r in intakes]
    check(len(ids) == len(set(ids)), "an intake twice in intakes.csv")
    check(set(ids) == {r["intake_id"] for r in recs}, "intakes.csv and recommendations.csv name different intakes")
    top = {r["intake_id"]: r["option_id"] for r in recs if r["rank"] == "1" and r["shortlisted"] == "yes"}
    for r in intakes:
        check(r["top_option"] == top.get(r["intake_id"], ""), f"{r['intake_id']}: top {r['top_option']}")
        short = [x for x in r["shortlist"].split("; ") if x]
        check(len(short) == int(r["shortlist_size"]), f"{r['intake_id']}: shortlist size")
        for col in ("industry", "size", "country", "regulated", "assessed_on"):
            check(col in r, f"intakes.csv has no column {col}")


def main(argv):
    mode = argv[1]
    if mode == "page":
        page(argv[2], argv[3:])
    elif mode == "absent":
        absent(argv[2], argv[3:])
    elif mode == "contrast":
        contrast(argv[2])
    elif mode == "tidy":
        tidy(argv[2])
    else:
        sys.exit(f"unknown mode {mode}")
    for f in FAILS:
        print("FAIL:", f)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
