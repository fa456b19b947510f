#!/usr/bin/env python3
"""Time virtnbdbackup kept the guest frozen, from its log lines "Freezed [n] filesystems." and "Thawed [n]
filesystems.". virtnbdbackup 1.9.15 stamps its lines "[YYYY-mm-dd HH:MM:SS]", to the second: both lines in the
same second print 0 with the note "under 1 s (same second)"; otherwise the difference, +-1 s.
Prints milliseconds (empty when it did not freeze) and a note, tab-separated. Usage: virtnbdbackup_frozen.py LOG..."""
import re
import sys
from datetime import datetime

stamp = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(,\d{3})?")
freeze = thaw = None
ms = False
for path in sys.argv[1:]:
    for line in open(path, errors="replace"):
        m = stamp.search(line)
        if not m:
            continue
        t = datetime.strptime(m.group(1) + (m.group(2) or ",000"), "%Y-%m-%d %H:%M:%S,%f")
        ms = ms or bool(m.group(2))
        if "Freezed [" in line and freeze is None:
            freeze = t
        elif "Thawed [" in line and freeze is not None and thaw is None:
            thaw = t
    if freeze is not None:
        break
if freeze is not None and thaw is not None:
    d = (thaw - freeze).total_seconds() * 1000
    if ms:
        print(f"{d:.0f}\tfroze via the agent (log stamps, 1 ms resolution)")
    elif d == 0:
        print("0\tfroze via the agent: under 1 s (freeze and thaw logged in the same second; its log has 1 s resolution)")
    else:
        print(f"{d:.0f}\tfroze via the agent ({d / 1000:.0f} s apart in its log, 1 s resolution: +-1 s)")
else:
    print("\tno freeze/thaw lines in its log")
