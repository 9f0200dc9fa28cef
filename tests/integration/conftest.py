"""Fixtures that run a real `fjord serve` process for the integration tests.

Every broker is hermetic: it listens on 127.0.0.1:0 in a per-test temporary directory and reports
its port through --port-file. Every wait is bounded (port file, shutdown, client calls, kcat), and
a per-test alarm is the backstop, so a broken broker fails a test instead of hanging the run.

Environment:
  FJORD_BIN              the broker binary (default <repo>/build/release/fjord)
  FJORD_REQUIRE_BINARY=1 fail instead of skip when the binary is missing (CI sets it)
  FJORD_TEST_LOG_LEVEL   --log-level passed to the broker (default: the broker's own)
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FJORD_BIN = Path(os.environ.get("FJORD_BIN", REPO / "build" / "release" / "fjord"))
REQUIRE_BINARY = os.environ.get("FJORD_REQUIRE_BINARY") == "1"

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 20.0
DEFAULT_TEST_TIMEOUT_S = 120

_live_processes: set[subprocess.Popen] = set()


def _kill_leftovers() -> None:
    for proc in list(_live_processes):
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)


atexit.register(_kill_leftovers)


class BrokerError(AssertionError):
    pass


class Broker:
    """One `fjord serve` process bound to a data directory that outlives restarts.

    start() launches it and waits for the port file; stop() sends SIGTERM and requires exit code 0;
    kill() sends SIGKILL. start() again reuses the same data directory (the port may change).
    """

    def __init__(self, work_dir: Path, settings: dict[str, object] | None = None,
                 name: str = "broker", extra_args: list[str] | None = None):
        self.name = name
        self.work_dir = work_dir
        self.data_dir = work_dir / "data"
        self.port_file = work_dir / "port"
        self.http_port_file = work_dir / "http-port"
        self.log_path = work_dir / "broker.log"
        self.settings = dict(settings or {})
        self.extra_args = list(extra_args or [])
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.http_port: int | None = None
        self.starts = 0
        work_dir.mkdir(parents=True, exist_ok=True)

    # -- lifecycle --------------------------------------------------------------------------

    def command(self) -> list[str]:
        cmd = [str(FJORD_BIN), "serve", "--listen", "127.0.0.1:0",
               "--data-dir", str(self.data_dir), "--port-file", str(self.port_file),
               "--http", "127.0.0.1:0", "--http-port-file", str(self.http_port_file)]
        level = os.environ.get("FJORD_TEST_LOG_LEVEL")
        if level:
            cmd += ["--log-level", level]
        for key, value in self.settings.items():
            cmd += ["--set", f"{key}={_setting_text(value)}"]
        return cmd + self.extra_args

    def start(self, timeout: float = START_TIMEOUT_S) -> "Broker":
        if self.is_running():
            raise BrokerError(f"{self.name} is already running")
        self.port = None
        self.http_port = None
        self.port_file.unlink(missing_ok=True)
        self.http_port_file.unlink(missing_ok=True)
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== itest: start #{self.starts}: {' '.join(self.command())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, cwd=self.work_dir)
        _live_processes.add(self.proc)
        self.port = self._wait_for_port(timeout)
        # The broker writes the HTTP port file before the Kafka one.
        self.http_port = _read_port(self.http_port_file)
        return self

    def _wait_for_port(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise BrokerError(f"{self.name} exited with {rc} before writing its port file\n"
                                  f"{self.log_tail()}")
            port = _read_port(self.port_file)
            if port is not None:
                # The file is written once the broker listens; prove it with a connect.
                with socket.create_connection(("127.0.0.1", port), timeout=5):
                    return port
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        self.proc.kill()
        self.proc.wait(timeout=5)
        raise BrokerError(f"{self.name}: no port file {self.port_file} after {timeout}s\n"
                          f"{self.log_tail()}")

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM, wait, and require a clean exit (code 0)."""
        proc = self._require_proc()
        if proc.poll() is not None:
            raise BrokerError(f"{self.name} had already exited with {proc.returncode} "
                              f"before stop()\n{self.log_tail()}")
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
            raise BrokerError(f"{self.name} still running {timeout}s after SIGTERM\n"
                              f"{self.log_tail()}") from None
        finally:
            _live_processes.discard(proc)
        if rc != 0:
            raise BrokerError(f"{self.name} exited with {rc} after SIGTERM (expected 0)\n"
                              f"{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no chance to flush anything that is not already durable."""
        proc = self._require_proc()
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        _live_processes.discard(proc)

    def restart(self, timeout: float = START_TIMEOUT_S) -> "Broker":
        self.stop()
        return self.start(timeout)

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _require_proc(self) -> subprocess.Popen:
        if self.proc is None:
            raise BrokerError(f"{self.name} was never started")
        return self.proc

    # -- addresses and logs ------------------------------------------------------------------

    @property
    def bootstrap(self) -> str:
        if self.port is None:
            raise BrokerError(f"{self.name} is not running")
        return f"127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        if self.http_port is None:
            raise BrokerError(f"{self.name} serves no HTTP")
        return f"http://127.0.0.1:{self.http_port}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 150) -> str:
        text = self.log_text().splitlines()
        head = f"--- {self.log_path} (last {min(lines, len(text))} of {len(text)} lines) ---"
        return "\n".join([head, *text[-lines:]])


def _setting_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read_port(path: Path) -> int | None:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        port = int(text.strip())
    except ValueError:
        return None
    return port if 0 < port < 65536 else None


# ---------------------------------------------------------------------------------------------
# Fixtures


def _require_binary() -> None:
    if FJORD_BIN.is_file() and os.access(FJORD_BIN, os.X_OK):
        return
    message = f"fjord binary not found at {FJORD_BIN} (build it or set FJORD_BIN)"
    if REQUIRE_BINARY:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture
def fjord_bin() -> Path:
    """The broker binary, for tests that run it by hand (skips or fails if it is missing)."""
    _require_binary()
    return FJORD_BIN


@pytest.fixture
def broker_factory(request, tmp_path):
    """make(settings=None, name=None, start=True) -> Broker. Brokers made by one test are
    stopped (SIGTERM, exit 0 required) when it ends; their logs are shown if it fails."""
    _require_binary()
    made: list[Broker] = []
    request.node._fjord_brokers = made

    def make(settings: dict[str, object] | None = None, *, name: str | None = None,
             start: bool = True, extra_args: list[str] | None = None) -> Broker:
        name = name or f"broker{len(made)}"
        b = Broker(tmp_path / name, settings, name=name, extra_args=extra_args)
        made.append(b)
        return b.start() if start else b

    yield make

    errors = []
    for b in made:
        if b.is_running():
            try:
                b.stop()
            except BrokerError as e:
                errors.append(str(e))
    if errors:
        pytest.fail("broker shutdown at teardown failed:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def broker(broker_factory) -> Broker:
    """A fresh broker with default settings, in its own temporary data directory."""
    return broker_factory()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for b in getattr(item, "_fjord_brokers", []):
            report.sections.append((f"fjord log: {b.name}", b.log_tail()))


def pytest_configure(config):
    config.addinivalue_line("markers", "timeout_s(seconds): per-test time limit (default "
                            f"{DEFAULT_TEST_TIMEOUT_S}s), enforced with SIGALRM")


@pytest.fixture(autouse=True)
def _test_time_limit(request):
    """Backstop against hangs: every call is bounded anyway, this catches what slips through."""
    marker = request.node.get_closest_marker("timeout_s")
    limit = marker.args[0] if marker else DEFAULT_TEST_TIMEOUT_S

    def on_alarm(signum, frame):
        raise TimeoutError(f"test exceeded its {limit}s time limit")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)
