"""A real segmentation fault, without ctypes. Expected: "crashed" naming SIGSEGV."""
import faulthandler


def f(x):
    faulthandler._sigsegv()
