"""grader.reference.device: device choice (argument > CNNGRADE_DEVICE > CUDA > CPU),
clear errors for unknown or missing devices, and deterministic, seeded blocks."""

from __future__ import annotations

import re

import pytest
import torch

from grader.errors import UserError
from grader.reference.device import DEVICE_ENV_VAR, DTYPE, deterministic, resolve_device, single_threaded

AUTO = "cuda" if torch.cuda.is_available() else "cpu"


def test_dtype_is_float64():
    assert DTYPE is torch.float64


@pytest.mark.parametrize("name", [None, "auto", "AUTO"])
def test_auto_picks_cuda_when_available_else_cpu(name, monkeypatch):
    monkeypatch.delenv(DEVICE_ENV_VAR, raising=False)
    assert resolve_device(name).type == AUTO


def test_explicit_names_and_devices(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV_VAR, "cuda:7")        # the argument wins over the variable
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_environment_variable_sets_the_default(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV_VAR, "cpu")
    assert resolve_device() == torch.device("cpu")
    monkeypatch.setenv(DEVICE_ENV_VAR, "auto")
    assert resolve_device().type == AUTO
    monkeypatch.setenv(DEVICE_ENV_VAR, "tpu")
    with pytest.raises(UserError, match=re.escape(
            "unknown device 'tpu' (from CNNGRADE_DEVICE); use 'auto', 'cpu', 'cuda' or 'cuda:N'")):
        resolve_device()


@pytest.mark.parametrize("name, message", [
    ("tpu", "unknown device 'tpu'; use 'auto', 'cpu', 'cuda' or 'cuda:N'"),
    ("meta", "device 'meta' is not supported; use 'auto', 'cpu', 'cuda' or 'cuda:N'"),
    (3, "device must be a name such as 'cpu' or 'cuda', got 3"),
])
def test_bad_names_raise_user_error(name, message):
    with pytest.raises(UserError, match=f"^{re.escape(message)}$"):
        resolve_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_a_user_error():
    message = (r"^device 'cuda' was requested but CUDA is not available on this machine "
               r"\(torch .*\); use 'cpu' or 'auto'$")
    with pytest.raises(UserError, match=message):
        resolve_device("cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_index_out_of_range():
    n = torch.cuda.device_count()
    assert resolve_device("cuda:0").type == "cuda"
    with pytest.raises(UserError, match="but this machine has only"):
        resolve_device(f"cuda:{n}")


def test_deterministic_seed_reproduces_and_does_not_leak():
    """The same seed gives the same numbers; the caller's random stream is untouched."""
    torch.manual_seed(1)
    expected_next = torch.rand(3)
    torch.manual_seed(1)
    with deterministic(seed=42):
        a = torch.rand(3)
    with deterministic(seed=42):
        b = torch.rand(3)
    assert torch.equal(a, b)
    assert torch.equal(torch.rand(3), expected_next)


def test_deterministic_restores_the_callers_flags():
    """The block pins deterministic kernels on CUDA; a caller's non-default cuDNN setting
    (benchmark on) comes back afterwards, on CPU and CUDA alike."""
    saved = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = True
    try:
        before = (torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.benchmark)
        with deterministic():
            if torch.cuda.is_available():
                assert torch.are_deterministic_algorithms_enabled()
                assert not torch.backends.cudnn.benchmark and torch.backends.cudnn.deterministic
        after = (torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.benchmark)
        assert after == before == (before[0], True)
    finally:
        torch.backends.cudnn.benchmark = saved


def test_single_threaded_runs_the_block_on_one_thread_and_restores_the_count():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with single_threaded():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        with pytest.raises(ValueError), single_threaded():  # restored on an error too
            raise ValueError("inside")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
