#!/usr/bin/env python3
"""Gate `edpctl render` on gomplate's conformance corpus, namespace by namespace.

Runs shared/conformance/run-gomplate-corpus.py against an edpctl binary, reads which
cases failed, and computes the pass rate of every namespace asked for (a case belongs to
its `primary_ns`; `core` is the engine and the CLI). Writes report.md and report.json
into --report-dir, prints the table, and exits 1 when any selected case fails that the
--exceptions file does not list. Each listed case needs a reason in that file and its id in
--documented-in (docs/gomplate.md), and a listed case that passes fails the gate too, so the
list never outlives the gaps it excuses.

Usage:
  conformance.py --runner SHARED/conformance/run-gomplate-corpus.py --edpctl BIN
                 [--ns NS]... [--skip-tag TAG]... [--exceptions FILE [--documented-in DOC]]
                 [--report-dir DIR]
"""

import argparse
import json
import os
import re
import subprocess
import sys

FAIL_LINE = re.compile(r"^FAIL (\S+) \[")
TOTALS_LINE = re.compile(r"^(\d+) passed, (\d+) failed$")


def load_corpus(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def selected_cases(corpus, namespaces, skip_tags):
    """The cases the runner runs for these --ns and --skip-tag options, in corpus order."""
    return [case for case in corpus
            if case.get("primary_ns") in namespaces and not skip_tags.intersection(case.get("tags") or [])]


def run_corpus(runner, edpctl, namespaces, skip_tags, jobs):
    command = [sys.executable, runner, "-v", "--jobs", str(jobs),
               "--cmd", f"'{edpctl}' render {{delims}} {{missing_key}} {{args}} --file {{template}} --out -"]
    for ns in namespaces:
        command += ["--ns", ns]
    for tag in skip_tags:
        command += ["--skip-tag", tag]
    finished = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return finished.stdout, finished.stderr


def parse_failures(output):
    """Maps each failing case id to the runner's reason (its FAIL line and the lines under it)."""
    failures, current = {}, None
    for line in output.splitlines():
        match = FAIL_LINE.match(line)
        if match:
            current = match.group(1)
            failures[current] = line
        elif current and line.startswith(" "):
            failures[current] += "\n" + line
        else:
            current = None
    return failures


def parse_totals(output):
    for line in reversed(output.splitlines()):
        match = TOTALS_LINE.match(line.strip())
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


def load_exceptions(path):
    """Maps each excepted case id to its reason: lines `ID  reason`, `#` comments, blank lines."""
    exceptions = {}
    if not path:
        return exceptions
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            case_id, _, reason = line.partition(" ")
            if not reason.strip():
                sys.exit(f"conformance: {path}:{number}: {case_id} has no reason")
            exceptions[case_id] = reason.strip()
    return exceptions


def check_exceptions(exceptions, cases, documented_in):
    """The problems of the exceptions list itself: unknown ids, ids the documentation does not name."""
    known = {case["id"] for case in cases}
    problems = [f"{case_id} is not a selected case" for case_id in exceptions if case_id not in known]
    if documented_in:
        with open(documented_in, encoding="utf-8") as f:
            documentation = f.read()
        problems += [f"{case_id} is not named in {documented_in}" for case_id in exceptions
                     if case_id not in documentation]
    return problems


def namespace_rows(cases, failures, namespaces, exceptions):
    rows = []
    for ns in namespaces:
        ids = [case["id"] for case in cases if case["primary_ns"] == ns]
        failing = [case_id for case_id in ids if case_id in failures]
        unexcused = [case_id for case_id in failing if case_id not in exceptions]
        stale = [case_id for case_id in ids if case_id in exceptions and case_id not in failures]
        passed = len(ids) - len(failing)
        rate = 100.0 * passed / len(ids) if ids else 100.0
        rows.append({"namespace": ns, "cases": len(ids), "passed": passed, "failed": len(failing),
                     "excepted": len(failing) - len(unexcused), "rate": round(rate, 1),
                     "meets_gate": not unexcused and not stale, "stale_exceptions": stale,
                     "failing": {case_id: failures[case_id] for case_id in failing}})
    return rows


def table(rows):
    lines = [f"{'namespace':<10} {'cases':>5} {'passed':>6} {'excepted':>8} {'rate':>7}  gate"]
    for row in rows:
        lines.append(f"{row['namespace']:<10} {row['cases']:>5} {row['passed']:>6} {row['excepted']:>8} "
                     f"{row['rate']:>6.1f}%  " + ("ok" if row["meets_gate"] else "FAILED"))
    cases = sum(row["cases"] for row in rows)
    passed = sum(row["passed"] for row in rows)
    lines.append(f"{'all':<10} {cases:>5} {passed:>6} {100.0 * passed / max(cases, 1):>6.1f}%")
    return lines


def write_reports(report_dir, rows, exceptions, skip_tags):
    os.makedirs(report_dir, exist_ok=True)
    with open(os.path.join(report_dir, "report.json"), "w", encoding="utf-8") as f:
        json.dump({"exceptions": exceptions, "skipped_tags": sorted(skip_tags), "namespaces": rows}, f, indent=2)
        f.write("\n")
    with open(os.path.join(report_dir, "report.md"), "w", encoding="utf-8") as f:
        f.write("# gomplate conformance of `edpctl render`\n\n")
        f.write("| namespace | cases | passed | excepted | rate | gate |\n|---|---:|---:|---:|---:|---|\n")
        for row in rows:
            f.write(f"| {row['namespace']} | {row['cases']} | {row['passed']} | {row['excepted']} | "
                    f"{row['rate']:.1f} % | {'ok' if row['meets_gate'] else 'failed'} |\n")
        for row in rows:
            if row["failing"]:
                f.write(f"\n## {row['namespace']}: failing cases\n\n```\n")
                f.write("\n".join(row["failing"].values()))
                f.write("\n```\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runner", required=True, help="path of run-gomplate-corpus.py")
    parser.add_argument("--edpctl", required=True, help="the edpctl binary under test")
    parser.add_argument("--corpus", help="default: gomplate-corpus.jsonl beside the runner")
    parser.add_argument("--ns", action="append", default=[], help="namespace to gate (repeatable; default: all)")
    parser.add_argument("--skip-tag", action="append", default=[], help="leave out cases with this tag (repeatable)")
    parser.add_argument("--exceptions", help="the cases allowed to fail: lines `ID  reason`")
    parser.add_argument("--documented-in", help="a document that must name every excepted case")
    parser.add_argument("--report-dir", default="conformance-report")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    corpus = load_corpus(args.corpus or os.path.join(os.path.dirname(os.path.abspath(args.runner)),
                                                      "gomplate-corpus.jsonl"))
    namespaces = args.ns or sorted({case["primary_ns"] for case in corpus})
    skip_tags = set(args.skip_tag)
    cases = selected_cases(corpus, set(namespaces), skip_tags)
    edpctl = os.path.abspath(args.edpctl)

    exceptions = load_exceptions(args.exceptions)
    problems = check_exceptions(exceptions, cases, args.documented_in)
    if problems:
        sys.exit("conformance: the exceptions list is wrong:\n  " + "\n  ".join(problems))

    output, errors = run_corpus(args.runner, edpctl, namespaces, args.skip_tag, args.jobs)
    totals = parse_totals(output)
    if totals is None:
        sys.exit(f"conformance: the corpus runner printed no totals line; its stderr:\n{errors}")
    failures = parse_failures(output)
    if totals != (len(cases) - len(failures), len(failures)):
        sys.exit(f"conformance: the runner counted {totals[0]} passed, {totals[1]} failed, but its FAIL lines "
                 f"name {len(failures)} of the {len(cases)} selected cases")

    rows = namespace_rows(cases, failures, namespaces, exceptions)
    write_reports(args.report_dir, rows, exceptions, skip_tags)
    print("\n".join(table(rows)))
    print(f"report: {os.path.join(args.report_dir, 'report.md')}")
    unexcused = [case_id for case_id in failures if case_id not in exceptions]
    for case_id in unexcused:
        print(failures[case_id])
    stale = [case_id for row in rows for case_id in row["stale_exceptions"]]
    for case_id in stale:
        print(f"conformance gate failed: {case_id} passes; remove it from {args.exceptions}")
    if unexcused:
        print(f"conformance gate failed: {len(unexcused)} failing cases are not listed in "
              f"{args.exceptions or 'an exceptions file'}")
    print(f"{totals[0]} passed, {totals[1]} failed ({len(failures) - len(unexcused)} excepted)")
    sys.exit(1 if unexcused or stale else 0)


if __name__ == "__main__":
    main()
