#!/usr/bin/env python3
"""Prints the QMP transaction that renames the dirty bitmaps named FROM_PREFIX* to TO_PREFIX* on every block node
(add the new persistent bitmap, merge the old one into it, remove the old one: one transaction, so no guest write
falls between), or nothing when there is none. virtnbdbackup and virtnbdbackup -z both name their checkpoints and
bitmaps virtnbdbackup.N: the one not running keeps its bitmaps under another name meanwhile.
Usage: bitmaps_aside.py FROM_PREFIX TO_PREFIX < query-named-block-nodes answer"""
import json
import sys

old, new = sys.argv[1], sys.argv[2]
actions = []
for node in json.load(sys.stdin)["return"]:
    for bitmap in node.get("dirty-bitmaps", []):
        name = bitmap["name"]
        if not name.startswith(old):
            continue
        renamed = new + name[len(old):]
        actions.append({"type": "block-dirty-bitmap-add", "data": {
            "node": node["node-name"], "name": renamed, "granularity": bitmap["granularity"],
            "persistent": bitmap.get("persistent", True), "disabled": not bitmap.get("recording", True)}})
        actions.append({"type": "block-dirty-bitmap-merge", "data": {"node": node["node-name"], "target": renamed, "bitmaps": [name]}})
        actions.append({"type": "block-dirty-bitmap-remove", "data": {"node": node["node-name"], "name": name}})
if actions:
    print(json.dumps({"execute": "transaction", "arguments": {"actions": actions}}))
