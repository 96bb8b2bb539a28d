"""Writes a forged reply straight onto the reply pipe, announcing an object array, then
returns. Expected: "bad_return" (the grader refuses the dtype before reading any payload)."""
import json
import os
import struct
import sys


def f(x):
    fd = json.loads(sys.argv[1])["resp_fd"]
    header = json.dumps({"ok": True, "v": {"t": "a", "d": "|O", "s": [1]}}).encode()
    os.write(fd, struct.pack(">I", len(header)) + header + b"\x00" * 8)
    return x
