#!/usr/bin/env python3
"""Thundering-herd benchmark helper (driven by scripts/bench_herd.sh).

  bench_herd.py run --label L --group G --count K --timeout S --access-log F [--env K=V]... -- CMD...
      Forks K children that each wait on one pipe (a barrier), releases them together, and each
      execs CMD (stdout to a file; CMD prints curl's -w '%{http_code}'; "@BODY@" in CMD becomes
      a file of the child's own, for curl -o). Waits for all of them,
      reads nginx's access log ("$msec $status" per request) and prints one JSON line.

  bench_herd.py report RESULTS.jsonl OUTDIR --rate R --burst B --count K
      Prints the markdown table (medians over repetitions) and writes OUTDIR/herd.dat and
      OUTDIR/cumulative-*.dat for gnuplot.
"""
import argparse
import json
import os
import statistics
import sys
import time


def child_env(assignments):
    env = {k: v for k, v in os.environ.items()
           if k != "LD_PRELOAD" and not k.startswith("TRYAGAIN_")}
    for item in assignments:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def run(args):
    env = child_env(args.env)
    outdir = args.outdir
    os.makedirs(outdir, exist_ok=True)
    argv = ["timeout", str(args.timeout)] + args.command
    ready_r, ready_w = os.pipe()
    release_r, release_w = os.pipe()
    pids = {}
    for index in range(args.count):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(ready_r)
                os.close(release_w)
                out = os.open(os.path.join(outdir, "%d.out" % index),
                              os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(out, 1)
                os.close(out)
                os.write(ready_w, b"r")
                os.close(ready_w)
                os.read(release_r, 1)  # returns at EOF, when the parent closes release_w
                os.close(release_r)
                body = os.path.join(outdir, "%d.body" % index)
                os.execvpe(argv[0], [a.replace("@BODY@", body) for a in argv], env)
            finally:
                os._exit(127)
        pids[pid] = index
    os.close(ready_w)
    os.close(release_r)
    ready = 0
    while ready < args.count:
        chunk = os.read(ready_r, args.count)
        if not chunk:
            break
        ready += len(chunk)
    os.close(ready_r)
    if ready != args.count:
        sys.exit("bench_herd: only %d of %d children got ready" % (ready, args.count))

    released_wall = time.time()
    released = time.monotonic()
    os.close(release_w)  # the barrier: every child's read() returns now
    finished = {}
    statuses = {}
    while pids:
        pid, status = os.wait()
        index = pids.pop(pid)
        finished[index] = time.monotonic() - released
        statuses[index] = os.waitstatus_to_exitcode(status)

    codes = []
    for index in range(args.count):
        with open(os.path.join(outdir, "%d.out" % index)) as f:
            text = f.read().strip()
        codes.append(text[-3:] if text else "")

    # nginx writes its log line when the response is done; give it a moment.
    time.sleep(0.2)
    requests = []
    with open(args.access_log) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                requests.append((float(parts[0]) - released_wall, parts[1]))
    requests.sort()
    result = {
        "label": args.label,
        "group": args.group,
        "count": args.count,
        "makespan": max(finished.values()),
        "exit_statuses": [statuses[i] for i in range(args.count)],
        "http_codes": codes,
        "succeeded": sum(1 for c in codes if c == "200"),
        "timed_out": sum(1 for i in range(args.count) if statuses[i] == 124),
        "attempts": len(requests),
        "ok_responses": sum(1 for _, s in requests if s == "200"),
        "limited_responses": sum(1 for _, s in requests if s == "429"),
        "other_responses": sum(1 for _, s in requests if s not in ("200", "429")),
        "success_times": [round(t, 4) for t, s in requests if s == "200"],
        "first_request": requests[0][0] if requests else 0.0,
    }
    print(json.dumps(result))


def label_key(label):
    return label.replace(" ", "-").replace("/", "").replace(",", "")


def report(args):
    results = [json.loads(line) for line in open(args.results) if line.strip()]
    t_min = (args.count - args.burst - 1) / args.rate
    labels = []
    groups = []
    for r in results:
        if r["label"] not in labels:
            labels.append(r["label"])
        if r["group"] not in groups:
            groups.append(r["group"])
    rows = {}
    for group in groups:
        for label in labels:
            runs = [r for r in results if r["label"] == label and r["group"] == group]
            if not runs:
                continue
            makespans = [r["makespan"] for r in runs]
            attempts = [r["attempts"] / r["count"] for r in runs]
            per_success = [r["limited_responses"] / r["ok_responses"] if r["ok_responses"] else float("inf")
                           for r in runs]
            share = [r["succeeded"] / r["count"] for r in runs]
            last_ok = [max(r["success_times"]) if r["success_times"] else 0.0 for r in runs]
            rows[(group, label)] = {
                "runs": len(runs),
                "makespan": statistics.median(makespans),
                "makespan_min": min(makespans),
                "makespan_max": max(makespans),
                "last_ok": statistics.median(last_ok),
                "attempts": statistics.median(attempts),
                "per_success": statistics.median(per_success),
                "share": statistics.median(share),
                "timed_out": sum(r["timed_out"] for r in runs),
                "other": sum(r["other_responses"] for r in runs),
                "first": runs[0],
            }

    print("| 429s carry | strategy | makespan (s) | makespan / T_min | last 200 at (s) "
          "| attempts per request | 429s per success | succeeded |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (group, label), row in rows.items():
        spread = ""
        if row["runs"] > 1:
            spread = " (%.2f–%.2f)" % (row["makespan_min"], row["makespan_max"])
        print("| %s | %s | %.2f%s | %.2f | %.2f | %.2f | %.2f | %.0f%% |" % (
            group, label, row["makespan"], spread, row["makespan"] / t_min, row["last_ok"],
            row["attempts"], row["per_success"], 100 * row["share"]))
    firsts = sorted(r["first_request"] for r in results)
    timed_out = sum(row["timed_out"] for row in rows.values())
    other = sum(row["other"] for row in rows.values())
    print()
    print("T_min = (K - B - 1) / R = (%d - %d - 1) / %g = %.2f s. Medians of %d runs per row; "
          "the makespan's range in brackets. %d curl processes hit the per-process timeout; "
          "%d responses were neither 200 nor 429. nginx logged the first request of a herd "
          "%.2f s after the release (median; %.2f–%.2f): starting %d curl processes at once takes "
          "that long here, and it counts in every makespan but not in T_min."
          % (args.count, args.burst, args.rate, t_min, max(r["runs"] for r in rows.values()),
             timed_out, other, statistics.median(firsts), firsts[0], firsts[-1],
             args.count))

    with open(os.path.join(args.outdir, "herd.dat"), "w") as f:
        f.write("# strategy makespan(group1) makespan(group2) share%(group1) share%(group2) "
                "attempts(group1) attempts(group2)\n")
        for label in labels:
            cells = []
            for key in ("makespan", "share", "attempts"):
                for group in groups:
                    row = rows.get((group, label))
                    value = row[key] if row else 0
                    cells.append("%.4f" % (100 * value if key == "share" else value))
            f.write('"%s" %s\n' % (label, " ".join(cells)))
    for (group, label), row in rows.items():
        name = "cumulative-%s-%s.dat" % (groups.index(group), label_key(label))
        with open(os.path.join(args.outdir, name), "w") as f:
            f.write("0 0\n")
            for n, t in enumerate(sorted(row["first"]["success_times"]), 1):
                f.write("%.4f %d\n" % (t, n))
            f.write("%.4f %d\n" % (row["first"]["makespan"], len(row["first"]["success_times"])))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("run")
    r.add_argument("--label", required=True)
    r.add_argument("--group", required=True)
    r.add_argument("--count", type=int, default=100)
    r.add_argument("--timeout", type=int, default=60)
    r.add_argument("--access-log", required=True)
    r.add_argument("--outdir", required=True)
    r.add_argument("--env", action="append", default=[])
    r.add_argument("command", nargs="+")
    p = sub.add_parser("report")
    p.add_argument("results")
    p.add_argument("outdir")
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--burst", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    if args.mode == "run":
        run(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
