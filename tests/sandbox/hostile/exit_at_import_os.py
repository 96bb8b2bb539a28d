"""Kills its own interpreter with os._exit() at import. Expected: load verdict "crashed"."""
import os

os._exit(0)
