#!/usr/bin/env python3
"""Reads `lifeboat backup --json` output: prints bytes read (sum of every disk's changeTracking.bytesRead),
frozen milliseconds (consistency.frozenMilliseconds, or empty) and a note (consistency kind, full-read reasons),
tab-separated. Usage: lifeboat_facts.py BACKUP_JSON"""
import json
import sys


def walk(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            found.setdefault(key.lower(), []).append(value)
            walk(value, found)
    elif isinstance(node, list):
        for value in node:
            walk(value, found)


text = open(sys.argv[1]).read()
found = {}
walk(json.loads(text[text.index("{"):]), found)
read = sum(v for v in found.get("bytesread", []) if isinstance(v, (int, float)))
frozen = [v for v in found.get("frozenmilliseconds", []) if isinstance(v, (int, float))]
kinds = [v for v in found.get("kind", []) if isinstance(v, str)]
reasons = list(dict.fromkeys(v for v in found.get("fullreadreason", []) if isinstance(v, str)))
note = ", ".join(kinds[:1] + (["full read: " + "; ".join(reasons)] if reasons else []))
print(f"{read}\t{max(frozen) if frozen else ''}\t{note}")
