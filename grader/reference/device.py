"""Where and how the reference engine computes: float64, deterministic, one device.

The device is chosen in this order: the ``device`` argument of a call; else the
environment variable ``CNNGRADE_DEVICE``; else CUDA when a GPU is visible, otherwise the
CPU. ``"auto"`` means "choose for me" at either level. A name torch does not know, or a
device this machine does not have, raises :class:`grader.errors.UserError`.

>>> resolve_device("cpu")
device(type='cpu')
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

# cuBLAS is only deterministic with a fixed workspace; the variable must be set before
# CUDA starts, so it is set here, on import (an explicit setting by the user wins).
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

import torch  # noqa: E402  (after the environment variable above)

from grader.errors import UserError  # noqa: E402

__all__ = ["DTYPE", "DEVICE_ENV_VAR", "resolve_device", "deterministic", "single_threaded"]

DTYPE = torch.float64
"""Every reference tensor is float64: answers keys must not carry float32 rounding."""

DEVICE_ENV_VAR = "CNNGRADE_DEVICE"
"""Environment variable naming the default device ("auto", "cpu", "cuda", "cuda:1"...)."""

_KNOWN = "'auto', 'cpu', 'cuda' or 'cuda:N'"


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """The torch device to compute on.

    - ``device``: ``None`` or ``"auto"`` (use ``CNNGRADE_DEVICE``, else CUDA when
      available, else CPU), or a name such as ``"cpu"``, ``"cuda"``, ``"cuda:1"``, or a
      ``torch.device``.

    Raises ``UserError`` for an unknown name or a device this machine lacks.
    """
    if device is None or (isinstance(device, str) and device.strip().lower() == "auto"):
        device = os.environ.get(DEVICE_ENV_VAR, "").strip() or "auto"
        if device.lower() == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        source = f" (from {DEVICE_ENV_VAR})"
    else:
        source = ""
    return _checked(device, source)


def _checked(device: str | torch.device, source: str) -> torch.device:
    # Step 1: parse the name; torch raises RuntimeError for names it does not know.
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        try:
            dev = torch.device(device.strip().lower())
        except RuntimeError:
            raise UserError(f"unknown device {device!r}{source}; use {_KNOWN}") from None
    else:
        raise UserError(f"device must be a name such as 'cpu' or 'cuda', got {device!r}{source}")
    # Step 2: the engine computes on real hardware only: CPU or CUDA.
    if dev.type == "cpu":
        return torch.device("cpu")
    if dev.type != "cuda":
        raise UserError(f"device {str(dev)!r}{source} is not supported; use {_KNOWN}")
    # Step 3: the GPU must exist here.
    if not torch.cuda.is_available():
        raise UserError(
            f"device {str(dev)!r} was requested{source} but CUDA is not available on this "
            f"machine (torch {torch.__version__}); use 'cpu' or 'auto'"
        )
    count = torch.cuda.device_count()
    if dev.index is not None and dev.index >= count:
        raise UserError(
            f"device {str(dev)!r} was requested{source} but this machine has only {count} "
            f"CUDA device{'s' if count != 1 else ''} (cuda:0 to cuda:{count - 1})"
        )
    return dev


@contextlib.contextmanager
def deterministic(*, seed: int | None = None) -> Iterator[None]:
    """Run a block with deterministic kernels, and seeded random numbers if ``seed`` is set.

    - ``seed``: when given, torch's global generators (CPU and CUDA) are seeded with it
      inside the block and restored afterwards, so the block does not disturb the caller.

    On CPU the engine's float64 ops are deterministic already, so nothing is switched
    there (torch's switch loads its compiler configuration, about 2 s, on first use).
    With CUDA, ``torch.use_deterministic_algorithms(True, warn_only=True)`` and cuDNN's
    deterministic mode hold inside the block; the previous settings come back on exit.

    >>> with deterministic(seed=0):
    ...     a = torch.rand(2)
    """
    cuda = torch.cuda.is_available()
    if cuda:
        # Step 1: remember the caller's settings, then pin deterministic algorithms.
        was = (torch.are_deterministic_algorithms_enabled(),
               torch.is_deterministic_algorithms_warn_only_enabled(),
               torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        if seed is None:
            yield
        else:
            # Step 2: fork the random state so seeding does not leak out of the block.
            devices = list(range(torch.cuda.device_count())) if cuda else []
            with torch.random.fork_rng(devices=devices):
                torch.manual_seed(seed)
                yield
    finally:
        if cuda:
            # Step 3: give the caller its settings back.
            torch.use_deterministic_algorithms(was[0], warn_only=was[1])
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = was[2], was[3]


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run a block with torch on one CPU thread; the caller's thread count comes back on exit.

    The reference engine's tensors are tiny (a grading case or a by-hand exercise holds a
    handful of numbers), and on a loaded machine torch's thread pool makes such a call about
    10x slower (measured: batch_norm of a 4x2 batch, 13 ms with 2 threads vs 1 ms with 1, on
    a shared 2-core box); graders running in parallel processes would also oversubscribe
    the cores. Results do not change: the float64 ops are deterministic either way.

    >>> with single_threaded():
    ...     torch.get_num_threads()
    1
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
