"""Returns an object whose unpickling would run a shell command creating a file.
Expected: "bad_return"; nothing is unpickled, so the file never appears."""
import os


class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/cnngrade-pickle-pwned",))


def f(x):
    return Payload()
