#!/usr/bin/env python3
"""Reads the TRX files dotnet test wrote under a folder.

  test-results.py summary FOLDER   one line: passed, failed, skipped, summed over every test project
  test-results.py failed FOLDER    the failed tests, one per line: the test assembly, a tab, Class.Method
  test-results.py projects SLNX    the solution's test projects, one path per line (not those with IsTestProject false)
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET


def runs(folder):
    for path in sorted(glob.glob(folder + "/**/*.trx", recursive=True)):
        yield ET.parse(path).getroot()


def summary(folder):
    passed = failed = skipped = 0
    for run in runs(folder):
        counters = run.find(".//{*}Counters")
        if counters is None:
            continue
        passed += int(counters.get("passed", 0))
        failed += sum(int(counters.get(k, 0)) for k in ("failed", "error", "timeout", "aborted"))
        skipped += int(counters.get("notExecuted", 0))
    print(f"{passed} passed, {failed} failed, {skipped} skipped")


def failed(folder):
    seen = set()
    for run in runs(folder):
        methods = {}
        for test in run.iterfind(".//{*}UnitTest"):
            method = test.find("{*}TestMethod")
            if method is not None:
                methods[test.get("id")] = (method.get("codeBase"), f"{method.get('className')}.{method.get('name')}")
        for result in run.iterfind(".//{*}UnitTestResult"):
            if result.get("outcome") in ("Failed", "Error", "Timeout", "Aborted") and result.get("testId") in methods:
                found = methods[result.get("testId")]
                if found not in seen:
                    seen.add(found)
                    print(f"{found[0]}\t{found[1]}")


def projects(solution):
    root = os.path.dirname(os.path.abspath(solution))
    for project in ET.parse(solution).getroot().iterfind(".//Project"):
        path = project.get("Path", "")
        if not path.startswith("tests/"):
            continue
        text = open(os.path.join(root, path), encoding="utf-8").read()
        if re.search(r"<IsTestProject>\s*false\s*</IsTestProject>", text, re.IGNORECASE):
            continue
        print(path)


if __name__ == "__main__":
    commands = {"summary": summary, "failed": failed, "projects": projects}
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        sys.exit(__doc__.strip())
    commands[sys.argv[1]](sys.argv[2])
