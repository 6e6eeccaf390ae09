"""Run the reliability checks and write their figures into README.md's "Reliability" section.

1. Schemathesis over every operation (tests/api/test_schemathesis.py, FUZZ_EXAMPLES per operation).
2. The bad-input battery (tests/api/test_bad_input.py).
3. bench/load.py: 64 clients for 30 s against the server as `make run` starts it, memory, and small
   requests beside the largest ones (skipped with --reuse-load, which reads bench/load_results.json).

The section between `<!-- reliability:start -->` and `<!-- reliability:end -->` is replaced; nothing
else in README.md is touched. Exit status 1 if any of the three failed.

    python bench/reliability_report.py [--fuzz-examples 200] [--reuse-load]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LOAD_RESULTS = ROOT / "bench" / "load_results.json"
START, END = "<!-- reliability:start -->", "<!-- reliability:end -->"
PYTHON = sys.executable


def run_fuzz(examples: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "fuzz.json"
        env = {**os.environ, "FUZZ_EXAMPLES": str(examples), "FUZZ_STATS": str(stats)}
        started = time.monotonic()
        done = subprocess.run(
            [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/api/test_schemathesis.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
        figures = json.loads(stats.read_text()) if stats.exists() else {"cases": {}}
    per_operation: dict[str, Counter[str]] = defaultdict(Counter)
    for key, count in figures["cases"].items():
        operation, _, status = key.rpartition(" -> ")
        per_operation[operation][status] += count
    return {
        "passed": done.returncode == 0,
        "seconds": round(seconds),
        "examples": figures.get("examples", examples),
        "heavy_examples": figures.get("heavy_examples"),
        "cases": sum(figures["cases"].values()),
        "operations": {op: dict(sorted(statuses.items())) for op, statuses in sorted(per_operation.items())},
        "summary": done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else [],
    }


def run_battery() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "battery.xml"
        done = subprocess.run(
            [
                PYTHON,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={report}",
                "tests/api/test_bad_input.py",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    battery = [c for c in cases if c.get("name", "").startswith("test_bad_input_gets_its_documented_status")]
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    return {"passed": done.returncode == 0, "tests": len(cases), "bad_inputs": len(battery), "failed": failed}


def run_load() -> dict[str, Any]:
    done = subprocess.run([PYTHON, "bench/load.py"], cwd=ROOT)
    results: dict[str, Any] = json.loads(LOAD_RESULTS.read_text())
    results["passed"] = results.get("passed", False) and done.returncode == 0
    return results


def compare_slots(slots: list[int]) -> dict[int, dict[str, Any]]:
    """The expensive-beside-cheap probe alone, once per HEAVY_CONCURRENCY value."""
    compared = {}
    for n in slots:
        with tempfile.TemporaryDirectory() as tmp:
            output = Path(tmp) / "load.json"
            command = [PYTHON, "bench/load.py", "--duration", "5", "--warmup", "3", "--probe", "20"]
            env = {**os.environ, "ACT_HEAVY_CONCURRENCY": str(n)}
            subprocess.run([*command, "--output", str(output)], cwd=ROOT, env=env, capture_output=True)
            if output.exists():
                compared[n] = json.loads(output.read_text())["contention"]
    return compared


def _slots_verdict(compared: dict[int, dict[str, Any]]) -> str:
    if 1 not in compared or 2 not in compared:
        return ""
    one, two = compared[1], compared[2]
    heavy = f"the heavy requests answered went from {one['heavy']['requests']} to {two['heavy']['requests']}"
    if one["p99_ratio"] <= two["p99_ratio"]:
        return (
            f"One slot slowed the cheap requests less ({one['p99_ratio']:g}× against {two['p99_ratio']:g}×) "
            f"and is the default; with two, {heavy}:"
        )
    ratios = f"{two['p99_ratio']:g}× against {one['p99_ratio']:g}×"
    return f"In this run two slots slowed the cheap requests less ({ratios}); {heavy}:"


def slots_table(compared: dict[int, dict[str, Any]]) -> list[str]:
    rows = [
        f"| {n} | {c['idle_p99_ms']:g} | {c['busy_p99_ms']:g} | {c['p99_ratio']:g}× | {c['heavy']['requests']} | "
        f"{c['heavy']['p50_ms']:g} |"
        for n, c in compared.items()
    ]
    return [
        "| slots per worker | small p99 alone, ms | small p99 beside heavy, ms | ratio | heavy answered in 20 s | "
        "heavy p50, ms |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]


def section(
    fuzz: dict[str, Any], battery: dict[str, Any], load: dict[str, Any], compared: dict[int, dict[str, Any]]
) -> str:
    mix, contention = load["load"], load["contention"]
    heavy = contention["heavy"]
    verdict = "passed" if fuzz["passed"] and battery["passed"] and load["passed"] else "FAILED"
    outcome = "no failures" if fuzz["passed"] else "FAILURES"
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        START,
        "",
        f"_Written by `make reliability` (bench/reliability_report.py) on {now}"
        f" from its last run, which {verdict}; the load figures are from {load['when']}._",
        "",
        "**Fuzzed against its own schema.** Schemathesis generated "
        f"{fuzz['cases']:,} requests from `/openapi.json` over {len(fuzz['operations'])} operations "
        f"({fuzz['examples']} examples per operation, {fuzz['heavy_examples']} per plot or analysis, with valid and "
        "schema-breaking data) and checked every answer: no 5xx, status code, content type, headers and body as "
        f"documented, schema-breaking input refused, `Allow` on 405. Result: {outcome} "
        f"({fuzz['seconds']} s). `make test` runs the same test with 20 examples per operation, `make fuzz` with "
        "`FUZZ_EXAMPLES` (200).",
        "",
        "| operation | requests | answers |",
        "| --- | ---: | --- |",
    ]
    for operation, statuses in fuzz["operations"].items():
        answers = ", ".join(f"{count}×{status}" for status, count in statuses.items())
        lines.append(f"| `{operation}` | {sum(statuses.values())} | {answers} |")
    lines += [
        "",
        f"**Bad input.** {battery['bad_inputs']} malformed requests (tests/api/test_bad_input.py): empty, huge, "
        "undecodable and repeated query parameters; wrong types; NaN, ±inf, 1e308 and 1e309; unknown functions, "
        "parameters and routes; bodies that are not JSON, not objects, not UTF-8, nested 10,000 deep, over the byte "
        "limit or holding non-numbers; hostile expressions (`__import__`, attribute access, 10,000 parentheses, "
        "power towers); Accept headers that match nothing. Each must get the status the operation documents (422, "
        f"404, 406, 413 or 405) and a `detail` naming the problem: {battery['bad_inputs'] - battery['failed']} of "
        f"{battery['bad_inputs']} did. Valid extremes (-0.0, subnormals, the largest |x|) are computed, not refused.",
        "",
        f"**Load** (`make load`, bench/load.py). {load['server']}, {load['clients']} clients each on its own "
        "keep-alive connection, "
        f"{load['duration_s']:g} s after {load['warmup_s']:g} s of warm-up, on a mix of values (GET and POST), plots "
        "(new sizes and repeated ones), expressions, comparisons and analyses:",
        "",
        f"- {mix['requests']:,} requests ({mix['requests_per_second']:g}/s), answers {_statuses(mix['statuses'])}; "
        f"**{mix['server_errors']} 5xx, {mix['dropped_connections']} dropped connections**",
        f"- latency p50 {mix['p50_ms']:g} ms, **p99 {mix['p99_ms']:g} ms**, max {mix['max_ms']:g} ms "
        f"(the machine's {os.cpu_count()} cores run the clients too)",
        f"- memory (RSS, all server processes): {load['rss_after_warmup_mb']:g} MB after warm-up, "
        f"{load['rss_after_run_mb']:g} MB after the run: **{load['rss_delta_mb']:+g} MB** (budget ±50 MB); "
        f"every 5 s during the run: {', '.join(f'{v:g}' for v in mix['rss_mb_every_5_s'])} MB",
        f"- stopped by SIGTERM in {load['shutdown_s']:g} s; tests/api/test_shutdown.py shows a request in flight "
        "at SIGTERM still gets its answer",
        "",
        "| kind | requests | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: |",
        *(f"| {kind} | {v['n']} | {v['p50_ms']:g} | {v['p99_ms']:g} |" for kind, v in mix["by_kind"].items()),
        "",
        f"**Expensive beside cheap.** Small cached `/values` requests sent one after another on one connection: "
        f"p99 {contention['idle_p99_ms']:g} ms alone; p99 {contention['busy_p99_ms']:g} ms while "
        f"{contention['heavy_clients']} clients loop on the largest plots (4000×4000 px, num=10000): "
        f"**{contention['p99_ratio']:g}×** (budget {contention['p99_ratio_budget']:g}×). "
        f"The expensive ones got {_statuses(heavy['statuses'])}, "
        f"p50 {heavy['p50_ms']:g} ms.",
        "",
        "**Bounding the CPU-heavy work.** Plots and analyses take a slot of a per-worker semaphore "
        "(`app/web/limits.py`, taken around the drawing or computing itself, so an answer the cache or the "
        "client already has never waits for one) and wait for one at most `ACT_HEAVY_WAIT_SECONDS`, with at most "
        "`ACT_HEAVY_QUEUE` waiting; past either bound the answer is 503 with `Retry-After`, never an endless queue. "
        "Waiting happens on the event loop, so waiting requests hold no thread and cheap requests keep the "
        "thread pool. A process pool was not chosen: the inputs and the images would be pickled across, and each "
        "pool process would hold its own matplotlib and caches. The number of slots was measured with the same "
        "probe (4 clients on the largest requests, 20 s each), one slot per worker against two. "
        + _slots_verdict(compared),
        "",
        *slots_table(compared),
        "",
        "The bounds are settings (`ACT_MAX_BODY_BYTES`, `ACT_HEAVY_CONCURRENCY`, `ACT_HEAVY_QUEUE`, "
        "`ACT_HEAVY_WAIT_SECONDS`; see Settings above).",
        "",
        END,
    ]
    return "\n".join(lines)


def _statuses(statuses: dict[str, int]) -> str:
    return ", ".join(f"{count:,}×{status}" for status, count in statuses.items())


def write_readme(text: str) -> None:
    readme = README.read_text()
    if START in readme and END in readme:
        head, rest = readme.split(START, 1)
        tail = rest.split(END, 1)[1]
        README.write_text(head + text + tail)
    else:
        README.write_text(readme.rstrip("\n") + "\n\n## Reliability\n\n" + text + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fuzz-examples", type=int, default=200)
    parser.add_argument("--reuse-load", action="store_true", help="read bench/load_results.json instead of loading")
    parser.add_argument("--slots", default="1,2", help="HEAVY_CONCURRENCY values to compare ('' to skip)")
    args = parser.parse_args()

    fuzz = run_fuzz(args.fuzz_examples)
    print(f"fuzz: {fuzz['cases']} cases, passed={fuzz['passed']} {fuzz['summary']}", flush=True)
    battery = run_battery()
    print(f"battery: {battery}", flush=True)
    load = json.loads(LOAD_RESULTS.read_text()) if args.reuse_load else run_load()
    print(f"load: passed={load['passed']}", flush=True)
    compared = compare_slots([int(n) for n in args.slots.split(",")]) if args.slots else {}
    print(f"slots: { {n: c['p99_ratio'] for n, c in compared.items()} }", flush=True)
    write_readme(section(fuzz, battery, load, compared))
    return 0 if fuzz["passed"] and battery["passed"] and load["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
