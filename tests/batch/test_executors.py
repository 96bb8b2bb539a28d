"""``--scheduler``: a malformed address or an unreachable scheduler is one line, at once."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from click.testing import CliRunner

from cli import main
from grader.batch.executors import DaskExecutor, check_scheduler_address, make_executor
from grader.errors import UserError


@pytest.mark.parametrize("address, normal", [
    ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
    ("10.0.0.5:8786", "tcp://10.0.0.5:8786"),
    ("TLS://sched.example.org:443", "tls://sched.example.org:443"),
    ("tcp://[::1]:8786", "tcp://[::1]:8786"),
])
def test_scheduler_addresses_dask_accepts_are_accepted(address, normal):
    assert check_scheduler_address(address) == normal


@pytest.mark.parametrize("address", ["notaurl", "http://host:8786", "tcp://host", "tcp://host:0",
                                     "tcp://host:99999", "tcp://ho st:1", "", "tcp://host:8786/path"])
def test_malformed_addresses_fail_before_any_connection(address):
    started = time.monotonic()
    with pytest.raises(UserError, match="is not a Dask scheduler address: give tcp://HOST:PORT"):
        make_executor(scheduler=address)
    assert time.monotonic() - started < 1


def test_a_refused_connection_is_one_line_at_once():
    pytest.importorskip("distributed")
    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(UserError, match=f"cannot connect to the Dask scheduler at tcp://127.0.0.1:{port}: "
                                        f"Connection refused"):
        DaskExecutor(f"tcp://127.0.0.1:{port}", connect_timeout=5)
    assert time.monotonic() - started < 3


def test_a_server_that_is_not_a_scheduler_is_one_line_within_the_timeout():
    """Something listens but never speaks Dask: the handshake times out after
    connect_timeout, and nothing is left behind to print a traceback at exit."""
    pytest.importorskip("distributed")
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(UserError, match=f"cannot connect to the Dask scheduler at tcp://127.0.0.1:{port}"):
            DaskExecutor(f"tcp://127.0.0.1:{port}", connect_timeout=1)
    finally:
        server.close()
    assert time.monotonic() - started < 5


def test_cli_bad_scheduler_exits_2_with_one_line(tmp_path):
    """Through 'cnngrade grade': exit 2, one Error line, no traceback, nothing written."""
    from pathlib import Path

    klass = Path(__file__).parent / "submissions" / "class"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", str(klass), "--exercise", "conv2d-forward", "--out", str(out),
                                       "--scheduler", "notaurl", "--isolation", "none"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0].startswith("Error: --scheduler 'notaurl' is not a Dask scheduler")
    assert "Traceback" not in result.output
