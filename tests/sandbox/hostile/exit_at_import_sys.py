"""Calls sys.exit() while being imported. Expected: load verdict "exception" naming sys.exit."""
import sys

sys.exit(3)
