"""Double-forks a detached grandchild (setsid) that sleeps forever. Expected: "forbidden"
(starting processes), and no process left over."""
import os
import time


def f(x):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(3600)
        os._exit(0)
    return x
