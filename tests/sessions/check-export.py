#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks blendscope exports with Python's own JSON parser, independently of the C code.

  check-export.py perfetto TRACE.json EXPECTED.json
  check-export.py run RUN.json EXPECTED.json

EXPECTED.json holds what the test recorded. Exits 0 when every check passes, else
prints the first failure and exits 1.
"""
import json
import math
import sys

EPS_US = 1e-6   # timestamps are printed with nanosecond precision


def fail(message):
    print("check-export: " + message)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_slices_nest(slices, track):
    """On one track, sorted by start (longer first), every slice either ends before the
    next starts or contains it."""
    slices.sort(key=lambda e: (e["ts"], -e["dur"]))
    stack = []
    for e in slices:
        start, end = e["ts"], e["ts"] + e["dur"]
        while stack and stack[-1] <= start + EPS_US:
            stack.pop()
        if stack:
            check(end <= stack[-1] + EPS_US,
                  "track %s: slice %r [%f, %f] overlaps its parent (ends %f)"
                  % (track, e["name"], start, end, stack[-1]))
        stack.append(end)
    return len(slices)


def check_perfetto(trace, expected):
    check(isinstance(trace, dict), "top level is not an object")
    check(trace.get("displayTimeUnit") in ("ns", "ms"), "displayTimeUnit missing")
    events = trace.get("traceEvents")
    check(isinstance(events, list) and events, "traceEvents missing or empty")

    thread_names = {}
    process_names = set()
    tracks = {}
    counters = {}
    instants = []
    layer_slices = inference_slices = 0
    for e in events:
        check(isinstance(e, dict), "an event is not an object")
        for field in ("ph", "pid", "name"):
            check(field in e, "event without %r: %r" % (field, e))
        ph = e["ph"]
        if ph == "M":
            check(isinstance(e.get("args", {}).get("name"), str), "metadata without a name: %r" % e)
            if e["name"] == "thread_name":
                thread_names[(e["pid"], e["tid"])] = e["args"]["name"]
            elif e["name"] == "process_name":
                process_names.add(e["pid"])
        elif ph == "X":
            for field in ("ts", "dur", "tid"):
                check(field in e, "complete event without %r: %r" % (field, e))
            check(number(e["ts"]) and number(e["dur"]) and e["dur"] >= 0, "bad ts/dur: %r" % e)
            tracks.setdefault((e["pid"], e["tid"]), []).append(e)
            if e.get("cat") == "inference":
                inference_slices += 1
            else:
                layer_slices += 1
                args = e.get("args", {})
                for field in ("op", "inference", "precision", "path", "clock"):
                    check(field in args, "layer slice without args.%s: %r" % (field, e))
        elif ph == "C":
            check(number(e.get("ts")), "counter without ts: %r" % e)
            args = e.get("args")
            check(isinstance(args, dict) and len(args) == 1, "counter needs one series: %r" % e)
            (unit, value), = args.items()
            check(number(value), "counter value is not a number: %r" % e)
            counters.setdefault(e["name"], []).append((e["ts"], unit, value))
        elif ph == "i":
            check(number(e.get("ts")) and e.get("s") in ("g", "p", "t"), "bad instant: %r" % e)
            instants.append(e["name"])
        else:
            fail("unexpected phase %r" % ph)

    for track, slices in tracks.items():
        check(track in thread_names, "track %r has no thread_name" % (track,))
        check(track[0] in process_names, "process %r has no process_name" % (track[0],))
        check_slices_nest(slices, track)
    check(layer_slices == expected["layer_slices"],
          "%d layer slices, expected %d" % (layer_slices, expected["layer_slices"]))
    check(inference_slices == expected["inference_slices"],
          "%d inference slices, expected %d" % (inference_slices, expected["inference_slices"]))
    check(len(tracks) >= expected["min_tracks"],
          "%d tracks, expected at least %d" % (len(tracks), expected["min_tracks"]))
    for name, points in expected["counters"].items():
        check(name in counters, "counter %r missing (have %r)" % (name, sorted(counters)))
        got = counters[name]
        check(len(got) == len(points), "counter %r: %d points, expected %d" % (name, len(got), len(points)))
        for (ts, unit, value), (want_ts, want_unit, want_value) in zip(got, points):
            check(unit == want_unit, "counter %r in %r, expected %r" % (name, unit, want_unit))
            check(abs(ts - want_ts) <= EPS_US, "counter %r at %f, expected %f" % (name, ts, want_ts))
            check(abs(value - want_value) <= 1e-9 * max(1, abs(want_value)),
                  "counter %r = %r, expected %r" % (name, value, want_value))
    check(sorted(instants) == sorted(expected["markers"]),
          "markers %r, expected %r" % (instants, expected["markers"]))


def check_run(doc, expected):
    check(doc.get("format") == "blendscope-run", "not a blendscope-run document")
    check(doc["run"]["id"] == expected["run"], "run id %r" % doc["run"]["id"])
    events = doc["events"]
    n = len(events["op"])
    check(n == expected["layer_slices"], "%d events, expected %d" % (n, expected["layer_slices"]))
    for column in ("inference", "start_ns", "end_ns", "clock"):
        check(len(events[column]) == n, "events column %r has the wrong length" % column)
    check(all(e >= s for s, e in zip(events["start_ns"], events["end_ns"])), "an event ends before it starts")
    check(len(doc["layers"]) == expected["layers"], "layer table size")
    check(len(doc["stats"]) == expected["layers"], "stats size")
    total = sum(len(c["value"]) for c in doc["channels"])
    check(total == expected["samples"], "%d samples, expected %d" % (total, expected["samples"]))
    check(doc["totals"]["inferences"] == expected["inference_slices"], "inference count")
    check(set(doc["totals"]["split"]) == {"binary", "fixed", "float"}, "split keys")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("perfetto", "run"):
        fail(__doc__)
    try:
        with open(sys.argv[2], encoding="utf-8") as f:
            # NaN and Infinity are not JSON, even though Python would accept them.
            doc = json.load(f, parse_constant=lambda c: fail("non-JSON constant %s" % c))
    except (ValueError, UnicodeDecodeError) as e:
        fail("%s is not valid JSON: %s" % (sys.argv[2], e))
    with open(sys.argv[3], encoding="utf-8") as f:
        expected = json.load(f)
    if sys.argv[1] == "perfetto":
        check_perfetto(doc, expected)
    else:
        check_run(doc, expected)
    print("check-export: ok")


if __name__ == "__main__":
    main()
