"""The benchmark tools that CI builds (bench/): a short real run of each against the real thing,
and a clear error with exit status 2 for a bad flag.

fjord-durable-floor writes to a real file with real fdatasyncs; fjord-loadgen's latency mode
produces to and consumes from a real broker through librdkafka.
"""

from __future__ import annotations

import subprocess

import pytest

from conftest import FJORD_BIN

BENCH = FJORD_BIN.parent / "bench"
FLOOR = BENCH / "fjord-durable-floor"
LOADGEN = BENCH / "fjord-loadgen"


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout)


def markdown_row(out: str) -> list[str]:
    """The cells of the one Markdown row a tool prints with --format markdown."""
    rows = [line for line in out.splitlines() if line.startswith("|")]
    assert len(rows) == 1, out
    return [c.strip() for c in rows[0].strip("|").split("|")]


def test_durable_floor_measures_every_record(tmp_path):
    res = run(FLOOR, "--dir", tmp_path, "--rate", "2000", "--messages", "400", "--size", "512",
              "--format", "markdown")
    assert res.returncode == 0, res.stderr
    label, size, messages, _rate, _mb, p50, p99, p999, worst = markdown_row(res.stdout)
    assert label == "durable floor 2000/s"
    assert (size, messages) == ("512", "400")
    assert 0 < float(p50) <= float(p99) <= float(p999) <= float(worst)
    assert list(tmp_path.iterdir()) == []  # its data file is removed


@pytest.mark.parametrize("args, message", [
    ([], "--dir is required"),
    (["--dir"], "--dir needs a value"),
    (["--dir", ".", "--rate", "0"], "--rate: not a whole number in [1, 1000000]: 0"),
    (["--dir", ".", "--messages", "ten"], "--messages: not a whole number"),
    (["--dir", ".", "--size", "2097152"], "--size: not a whole number in [1, 1048576]"),
    (["--dir", ".", "--format", "xml"], "--format: text or markdown, not xml"),
    (["--dir", ".", "--burst", "1"], "unknown option --burst"),
])
def test_durable_floor_refuses_bad_flags(args, message):
    res = run(FLOOR, *args)
    assert res.returncode == 2
    assert message in res.stderr
    assert "usage: fjord-durable-floor" in res.stderr


def test_durable_floor_reports_an_unwritable_directory(tmp_path):
    res = run(FLOOR, "--dir", tmp_path / "missing", "--messages", "10")
    assert res.returncode == 1
    assert "fjord-durable-floor: open" in res.stderr
    assert "No such file or directory" in res.stderr


def test_loadgen_latency_run_against_the_broker(broker):
    res = run(LOADGEN, "latency", "--brokers", broker.bootstrap, "--topic", "bench-latency",
              "--messages", "300", "--rate", "1000", "--size", "256", "--acks", "all",
              "--linger-ms", "0", "--format", "markdown")
    assert res.returncode == 0, res.stderr
    label, size, messages, *_, p50, p99, p999, worst = markdown_row(res.stdout)
    assert label == "latency 1000/s 1p"
    assert (size, messages) == ("256", "300")
    assert 0 < float(p50) <= float(p99) <= float(p999) <= float(worst)


def test_loadgen_refuses_a_bad_format():
    res = run(LOADGEN, "latency", "--format", "xml")
    assert res.returncode == 2
    assert "invalid value 'xml' for --format: expected text or markdown" in res.stderr
