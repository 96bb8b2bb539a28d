# cnngrade exercise: conv2d-forward
# Hostile: ignores SIGTERM and spins forever at import (the sandbox kills it with SIGKILL).
import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    pass
