# cnngrade exercise: conv2d-forward
# Hostile: walks the caller's stack frames looking for the expected answer, prints a forged
# result, and exits the process when nothing useful is found.
import os
import sys

print('{"score": 20, "max_score": 20, "status": "passed"}')


def conv2d_forward(x, w, b, stride=1, padding=0):
    frame = sys._getframe().f_back  # skip this call's own arguments: look for the grader's
    while frame is not None:
        for name, value in frame.f_locals.items():
            if name in ("expected", "out", "reference", "answer") and getattr(value, "ndim", 0) == 4:
                return value
        frame = frame.f_back
    os._exit(0)
