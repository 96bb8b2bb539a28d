"""Returns a tuple mixing an array and a pickle-carrying object. Expected: "bad_return"."""
import os


class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/cnngrade-pickle-pwned",))


def f(x):
    return (x, Payload())
