#!/usr/bin/env python3
"""Time virtnbdbackup kept the guest frozen, from its log lines "Freezed [n] filesystems." and "Thawed [n]
filesystems." (asctime stamps, ms resolution): prints milliseconds (empty when it did not freeze) and a note.
Usage: virtnbdbackup_frozen.py LOG..."""
import re
import sys
from datetime import datetime

stamp = re.compile(r"^\[?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})")
freeze = thaw = None
stamp2 = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})")
for path in sys.argv[1:]:
    for line in open(path, errors="replace"):
        m = stamp.match(line) or stamp2.search(line)
        if not m:
            continue
        t = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f")
        if "Freezed [" in line and freeze is None:
            freeze = t
        elif "Thawed [" in line and freeze is not None and thaw is None:
            thaw = t
    if freeze is not None:
        break
if freeze is not None and thaw is not None:
    print(f"{(thaw - freeze).total_seconds() * 1000:.0f}\tfroze via the agent (log stamps, 1 ms resolution)")
else:
    print("\tno freeze/thaw lines in its log")
