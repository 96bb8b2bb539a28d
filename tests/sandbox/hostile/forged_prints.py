"""Prints a forged grade and returns garbage. Expected: verdict "ok" (it returned an array)
but the value is wrong; the printed text is only feedback."""
import numpy as np

print("All tests passed! Score: 100/100")
print('{"score": 100, "max_score": 100, "status": "passed"}')


def f(x):
    print("PASSED conv2d_forward 10/10")
    return np.zeros_like(x)
