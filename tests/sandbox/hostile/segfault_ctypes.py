"""Dereferences NULL through ctypes. Expected: "forbidden" (ctypes could bypass every
guard, so the audit hook refuses it)."""
import ctypes


def f(x):
    return ctypes.string_at(0, 8)
