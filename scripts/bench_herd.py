#!/usr/bin/env python3
"""Thundering-herd benchmark helper (driven by scripts/bench_herd.sh).

  bench_herd.py run --label L --group G --count K --timeout S --rate R --burst B
                    --access-log F [--env K=V]... [--kill N --kill-after S] -- CMD...
      Forks K children that each wait on one pipe (a barrier), releases them together, and each
      execs CMD itself (stdout to a file; CMD prints curl's -w '%{http_code}'; "@BODY@" in CMD
      becomes a file of the child's own, for curl -o). A child still running S seconds after
      the release is killed (counted as timed out); with --kill, N children picked at random
      are killed with SIGKILL --kill-after seconds after the release. Waits for all of them,
      reads nginx's access log ("$msec $status" per request) and prints one JSON line.

  bench_herd.py report RESULTS.jsonl OUTDIR --count K
      Prints the markdown table (medians over repetitions; T_min from each row's own rate and
      burst) and writes OUTDIR/herd.dat and OUTDIR/cumulative-*.dat for gnuplot (the first two
      groups).
"""
import argparse
import json
import os
import random
import signal
import statistics
import struct
import sys
import threading
import time


def learned_interval(state_dir):
    """The spacing the coordinated processes learned for the host (the file's one record)."""
    if not state_dir:
        return None
    try:
        with open(os.path.join(state_dir, "tryagain-coordinate.v1"), "rb") as f:
            data = f.read()
    except OSError:
        return None
    for offset in range(64, len(data) - 280 + 1, 280):
        key, _, interval = struct.unpack_from("<QqQ", data, offset)
        if key > 1:
            return interval
    return None


def shared_after(state_dir, released):
    """When the coordination file was made (its header's CLOCK_MONOTONIC created_us), in
    seconds after the release; None when there is none or it predates the release."""
    if not state_dir:
        return None
    try:
        with open(os.path.join(state_dir, "tryagain-coordinate.v1"), "rb") as f:
            header = f.read(64)
    except OSError:
        return None
    if len(header) < 40:
        return None
    created = struct.unpack_from("<Q", header, 32)[0] / 1e6 - released
    return created if created >= 0 else None


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
    # No timeout(1) in between: the child is curl itself, so that a kill reaches it, and one
    # exec less per child is spent starting the herd.
    argv = args.command
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
    running = dict(pids)  # pid -> index, shrinks as they end
    lock = threading.Lock()
    killed = set()
    timed_out = set()

    def kill_some(indices_out, how_many, after):
        time.sleep(after)
        with lock:
            victims = random.sample(sorted(running), min(how_many, len(running)))
            for pid in victims:
                indices_out.add(running[pid])
                os.kill(pid, signal.SIGKILL)

    threads = []
    if args.kill:
        threads.append(threading.Thread(target=kill_some, args=(killed, args.kill, args.kill_after),
                                        daemon=True))
    threads.append(threading.Thread(target=kill_some, args=(timed_out, args.count, args.timeout),
                                    daemon=True))
    for thread in threads:
        thread.start()
    finished = {}
    statuses = {}
    while pids:
        pid, status = os.wait()
        with lock:
            index = pids.pop(pid)
            running.pop(pid, None)
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
        "timed_out": len(timed_out - killed),
        "killed": len(killed),
        "rate": args.rate,
        "burst": args.burst,
        "attempts": len(requests),
        "ok_responses": sum(1 for _, s in requests if s == "200"),
        "limited_responses": sum(1 for _, s in requests if s == "429"),
        "other_responses": sum(1 for _, s in requests if s not in ("200", "429")),
        "success_times": [round(t, 4) for t, s in requests if s == "200"],
        "limited_times": [round(t, 4) for t, s in requests if s == "429"],
        "first_request": requests[0][0] if requests else 0.0,
        "released_wall": released_wall,
    }
    learned = learned_interval(args.state_dir)
    if learned:
        result["learned_interval_us"] = learned
    shared = shared_after(args.state_dir, released)
    if shared is not None:
        # What no coordination can save: the requests answered before the first throttle
        # reached the shared file, by processes that could not know yet.
        result["shared_at"] = round(shared, 4)
        result["limited_before_shared"] = sum(
            1 for t, s in requests if s == "429" and t <= shared)
    print(json.dumps(result))


def label_key(label):
    return label.replace(" ", "-").replace("/", "").replace(",", "")


def t_min_of(r):
    return (r["count"] - r["burst"] - 1) / r["rate"]


def report(args):
    results = [json.loads(line) for line in open(args.results) if line.strip()]
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
            t_min = t_min_of(runs[0])
            makespans = [r["makespan"] for r in runs]
            attempts = [r["attempts"] / r["count"] for r in runs]
            per_success = [r["limited_responses"] / r["ok_responses"] if r["ok_responses"] else float("inf")
                           for r in runs]
            share = [r["succeeded"] / (r["count"] - r.get("killed", 0)) for r in runs]
            last_ok = [max(r["success_times"]) if r["success_times"] else 0.0 for r in runs]
            span = [(max(r["success_times"]) - r["first_request"]) / t_min if r["success_times"] else 0.0
                    for r in runs]
            floor = [1 + r["limited_before_shared"] / r["count"] for r in runs
                     if "limited_before_shared" in r]
            rows[(group, label)] = {
                "runs": len(runs),
                "t_min": t_min,
                "makespan": statistics.median(makespans),
                "makespan_min": min(makespans),
                "makespan_max": max(makespans),
                "last_ok": statistics.median(last_ok),
                "first": statistics.median(r["first_request"] for r in runs),
                "span": statistics.median(span),
                "attempts": statistics.median(attempts),
                "floor": statistics.median(floor) if floor else None,
                "per_success": statistics.median(per_success),
                "share": statistics.median(share),
                "killed": statistics.median(r.get("killed", 0) for r in runs),
                "timed_out": sum(r["timed_out"] for r in runs),
                "other": sum(r["other_responses"] for r in runs),
                "example": runs[0],
            }

    print("| herd | strategy | makespan (s) | makespan / T_min | first request at (s) "
          "| (last 200 - first request) / T_min | attempts per request "
          "| of which no client could know | 429s per success | succeeded |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (group, label), row in rows.items():
        spread = ""
        if row["runs"] > 1:
            spread = " (%.2f–%.2f)" % (row["makespan_min"], row["makespan_max"])
        floor = "%.2f" % row["floor"] if row["floor"] is not None else ""
        share = "%.0f%%" % (100 * row["share"])
        if row["killed"]:
            share += " of the %d not killed" % (row["example"]["count"] - row["killed"])
        print("| %s | %s | %.2f%s | %.2f | %.2f | %.2f | %.2f | %s | %.2f | %s |" % (
            group, label, row["makespan"], spread, row["makespan"] / row["t_min"], row["first"],
            row["span"], row["attempts"], floor, row["per_success"], share))
    firsts = sorted(r["first_request"] for r in results)
    timed_out = sum(row["timed_out"] for row in rows.values())
    other = sum(row["other"] for row in rows.values())
    t_mins = []
    for row in rows.values():
        r = row["example"]
        text = "(%d - %d - 1) / %g = %.2f s" % (r["count"], r["burst"], r["rate"], row["t_min"])
        if text not in t_mins:
            t_mins.append(text)
    print()
    print("T_min = (K - B - 1) / R: %s. Medians of %d runs per row (the makespan's range in "
          "brackets). %d curl processes hit the per-process timeout; %d responses were neither "
          "200 nor 429. nginx logged the first request of a herd %.2f s after the release "
          "(median; %.2f–%.2f): starting %d curl processes at once takes that long here, and it "
          "counts in every makespan but not in T_min."
          % ("; ".join(t_mins), max(r["runs"] for r in rows.values()), timed_out, other,
             statistics.median(firsts), firsts[0], firsts[-1], args.count))

    goals(rows)

    chart_groups = groups[:2]
    with open(os.path.join(args.outdir, "herd.dat"), "w") as f:
        f.write("# strategy makespan(group1) makespan(group2) share%(group1) share%(group2) "
                "attempts(group1) attempts(group2)\n")
        for label in labels:
            if not any((group, label) in rows for group in chart_groups):
                continue
            cells = []
            for key in ("makespan", "share", "attempts"):
                for group in chart_groups:
                    row = rows.get((group, label))
                    value = row[key] if row else 0
                    cells.append("%.4f" % (100 * value if key == "share" else value))
            f.write('"%s" %s\n' % (label, " ".join(cells)))
    for (group, label), row in rows.items():
        if group not in chart_groups:
            continue
        name = "cumulative-%s-%s.dat" % (groups.index(group), label_key(label))
        with open(os.path.join(args.outdir, name), "w") as f:
            f.write("0 0\n")
            for n, t in enumerate(sorted(row["example"]["success_times"]), 1):
                f.write("%.4f %d\n" % (t, n))
            f.write("%.4f %d\n" % (row["example"]["makespan"], len(row["example"]["success_times"])))


def goals(rows):
    """Issue 13's goals against this run's medians, and what no client could have saved."""
    def row(group, label):
        return rows.get((group, label))

    print()
    print("Issue 13's goals, on the medians above. The floor is what the start-up and the first "
          "throttle leave to any client: a makespan no shorter than the first request's time "
          "plus T_min, and the attempts no client could know to save (the 429s nginx logged "
          "before the first throttle reached the shared file; the processes that had started "
          "their request before it are not even counted there, so the true floor is higher). "
          "Where the floor is above the goal, no client strategy meets it on this machine: the "
          "start-up of 100 curl processes on 2 cores alone takes more than the makespan goals "
          "leave over T_min.")
    print()
    print("| herd | goal | measured | floor | met |")
    print("|---|---|---:|---:|---|")
    for group, label, makespan_goal, attempts_goal in (
            ("429 only", "tryagain defaults", 1.2, 1.15),
            ("429 + Retry-After: 1", "tryagain defaults", 1.2, 1.15),
            ("429 only", "tryagain warm", 1.1, 1.05),
            ("429 + Retry-After: 1", "tryagain warm", 1.1, 1.05)):
        r = row(group, label)
        if not r:
            continue
        ratio = r["makespan"] / r["t_min"]
        floor = (r["first"] + r["t_min"]) / r["t_min"]
        name = "%s, %s" % (group, label.replace("tryagain ", ""))
        print("| %s | 100%% succeeded | %.0f%% | | %s |"
              % (name, 100 * r["share"], "yes" if r["share"] >= 1 else "no"))
        print("| %s | makespan <= %.2f x T_min | %.2f | %.2f | %s |"
              % (name, makespan_goal, ratio, floor, "yes" if ratio <= makespan_goal else "no"))
        attempts_floor = "%.2f" % r["floor"] if r["floor"] is not None else "1.00"
        print("| %s | attempts per request <= %.2f | %.2f | %s | %s |"
              % (name, attempts_goal, r["attempts"], attempts_floor,
                 "yes" if r["attempts"] <= attempts_goal else "no"))
    base = row("429 only", "tryagain uncoordinated")
    for (group, label), r in rows.items():
        if group in ("429 only", "429 + Retry-After: 1") or label == "tryagain uncoordinated":
            continue
        against = row(group, "tryagain uncoordinated") or base
        if not against:
            continue
        better = r["share"] >= against["share"] and r["makespan"] <= against["makespan"]
        print("| %s | no worse than uncoordinated (%.0f%%, %.2f s, %.2f attempts) "
              "| %.0f%%, %.2f s, %.2f attempts | | %s |"
              % (group, 100 * against["share"], against["makespan"], against["attempts"],
                 100 * r["share"], r["makespan"], r["attempts"],
                 "yes" if better else "no: %s" % ", ".join(
                     w for w, bad in (("success", r["share"] < against["share"]),
                                      ("makespan", r["makespan"] > against["makespan"])) if bad)))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("run")
    r.add_argument("--label", required=True)
    r.add_argument("--group", required=True)
    r.add_argument("--count", type=int, default=100)
    r.add_argument("--timeout", type=float, default=60)
    r.add_argument("--rate", type=float, required=True)
    r.add_argument("--burst", type=int, required=True)
    r.add_argument("--kill", type=int, default=0)
    r.add_argument("--kill-after", type=float, default=0.3)
    r.add_argument("--access-log", required=True)
    r.add_argument("--outdir", required=True)
    r.add_argument("--env", action="append", default=[])
    r.add_argument("--state-dir", help="XDG_RUNTIME_DIR of the children, to find the shared file")
    r.add_argument("command", nargs="+")
    p = sub.add_parser("report")
    p.add_argument("results")
    p.add_argument("outdir")
    p.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    if args.mode == "run":
        run(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
