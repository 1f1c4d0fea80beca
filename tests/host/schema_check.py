#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Validate primetrace's JSON outputs against docs/schema/ (used by schema.sh).

    schema_check.py validate KIND|auto FILE...
        each line of each FILE is one JSON document: KIND's schema (auto:
        the kind its members say) must accept it, "format" must be its first
        member, and every member it has must be one the schema declares
        (the schemas let later releases add members; this release writes
        only documented ones). Prints "KIND N" per kind seen, or one line
        "FILE:LINE: why" and exits 1.
    schema_check.py enums TREE
        the schemas' closed sets (event types, hooks, leak kinds, check
        rules and invariants, the format version) against the tables of the
        sources under TREE; prints each difference and exits 1 on one.
"""
import copy
import json
import os
import re
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "..", "..", "docs", "schema")
KINDS = ("event", "summary", "objects", "leaks", "outstanding", "check", "features", "top")


def load(kind):
    with open(os.path.join(SCHEMAS, kind + ".json")) as f:
        return json.load(f)


def closed(schema):
    """The schema with no member beyond those it declares."""
    s = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if "properties" in node and node.get("additionalProperties", True) is True:
                node["additionalProperties"] = False
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(s)
    return s


def kind_of(doc):
    if not isinstance(doc, dict):
        return None
    if "type" in doc:
        return "summary" if doc["type"] == "summary" else "event"
    for key, kind in (("suspects", "leaks"), ("outstanding", "outstanding"), ("buffers", "objects"),
                      ("rule", "check"), ("processes", "top")):
        if key in doc:
            return kind
    if "kernel" in doc and "hooks" in doc:
        return "features"
    if "traceEvents" in doc:
        return "perfetto"
    return None


def validate(want, files):
    validators = {}
    for k in KINDS:
        s = load(k)
        jsonschema.Draft202012Validator.check_schema(s)
        validators[k] = (jsonschema.Draft202012Validator(s),
                         jsonschema.Draft202012Validator(closed(s)))
    seen = {}
    for path in files:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        if text.startswith('{"displayTimeUnit"'):
            # the --perfetto timeline: Chrome's trace event format, not ours
            try:
                if "traceEvents" in json.loads(text):
                    continue
            except ValueError:
                pass
        lines = text.splitlines()
        for n, line in enumerate(lines, 1):
            where = "%s:%d" % (path, n)
            try:
                pairs = json.loads(line, object_pairs_hook=lambda p: p)
                doc = json.loads(line)
            except ValueError as e:
                return "%s: not JSON: %s" % (where, e)
            kind = kind_of(doc) if want == "auto" else want
            if kind == "perfetto":
                continue
            if kind not in validators:
                return "%s: not a primetrace output (members %s)" % (
                    where, ", ".join(list(doc)[:4]) if isinstance(doc, dict) else type(doc).__name__)
            if not pairs or pairs[0][0] != "format":
                return "%s: %s: \"format\" is not the first member" % (where, kind)
            for v, what in zip(validators[kind], ("", "undocumented member: ")):
                err = jsonschema.exceptions.best_match(v.iter_errors(doc))
                if err:
                    at = "/".join(str(p) for p in err.absolute_path) or "(top)"
                    return "%s: %s: %s%s: %s" % (where, kind, what, at, err.message[:200])
            seen[kind] = seen.get(kind, 0) + 1
    for k in sorted(seen):
        print(k, seen[k])
    return None


def table(path, pattern):
    with open(path) as f:
        return re.findall(pattern, f.read())


def enums(tree):
    src = lambda p: os.path.join(tree, p)
    events = table(src("userspace/record/event.c"), r'\[PT_EV_\w+\] = "(\w+)"')
    hooks = table(src("userspace/record/event.c"), r'\[PT_HOOK_\w+\] = "(\w+)"')
    kinds = table(src("userspace/model/model.c"), r'\[PM_LEAK_\w+\] = "(\w+)"')
    groups = table(src("userspace/model/outstanding.c"), r'\[PM_OUT_\w+\] = "(\w+)"')
    rules = table(src("userspace/model/checker.c"), r'\[PC_\w+\] = \{ "(\w+)", "([\w-]+)" \}')
    version = table(src("userspace/lib/json_writer.h"), r"#define PT_JSON_FORMAT\s+(\d+)")
    s = {k: load(k) for k in KINDS}
    ev, su, ft = s["event"]["properties"], s["summary"]["properties"], s["features"]["properties"]
    item = lambda k, m: s[k]["properties"][m]["items"]["properties"]
    checks = [
        ("event types (event.json type)", ev["type"]["enum"], events),
        ("event types (summary.json events_by_type)",
         su["events_by_type"]["propertyNames"]["enum"], events),
        ("event types (summary.json drops_by_type)",
         su["drops_by_type"]["propertyNames"]["enum"], events),
        ("hooks (event.json hook)", ev["hook"]["enum"], hooks),
        ("hooks (summary.json hooks)", su["hooks"]["propertyNames"]["enum"], hooks),
        ("hooks (features.json hooks func)", item("features", "hooks")["func"]["enum"], hooks),
        ("leak kinds (leaks.json kind)", item("leaks", "suspects")["kind"]["enum"], kinds),
        ("outstanding kinds (outstanding.json kind)",
         item("outstanding", "outstanding")["kind"]["enum"], groups),
        ("check rules (check.json rule)", s["check"]["properties"]["rule"]["enum"],
         [r[1] for r in rules]),
        ("invariants (check.json invariant)", s["check"]["properties"]["invariant"]["enum"],
         sorted(set(r[0] for r in rules))),
    ]
    bad = []
    if not (events and hooks and kinds and groups and rules and len(version) == 1):
        bad.append("the tables were not found in %s" % tree)
    for what, have, want in checks:
        if sorted(have) != sorted(want):
            bad.append("%s: the schema lacks %s, has unknown %s" % (
                what, sorted(set(want) - set(have)) or "none", sorted(set(have) - set(want)) or "none"))
    for k in KINDS:
        if version and s[k]["properties"]["format"].get("const") != int(version[0]):
            bad.append("%s.json: format is not PT_JSON_FORMAT %s" % (k, version[0]))
    for b in bad:
        print(b)
    return bad


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "validate":
        why = validate(sys.argv[2], sys.argv[3:])
        if why:
            print(why)
            return 1
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "enums":
        return 1 if enums(sys.argv[2]) else 0
    print(__doc__.strip().splitlines()[2], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
