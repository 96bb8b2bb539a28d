"""Forges a reply announcing a 1 TiB float64 array. Expected: "bad_return" with the size
named, and the grading process never allocates it."""
import json
import os
import struct
import sys


def f(x):
    fd = json.loads(sys.argv[1])["resp_fd"]
    header = json.dumps({"ok": True, "v": {"t": "a", "d": "<f8", "s": [1 << 37]}}).encode()
    os.write(fd, struct.pack(">I", len(header)) + header)
    import time

    time.sleep(30)
