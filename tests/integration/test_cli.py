"""`fjord serve` as an operator meets it: bad settings are refused by name, signals stop it cleanly."""

from __future__ import annotations

import signal
import subprocess

import pytest

from clients import list_topics


def run_serve(fjord_bin, tmp_path, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(fjord_bin), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "data"),
           "--port-file", str(tmp_path / "port"), "--http", "127.0.0.1:0", *args]
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=15)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{' '.join(cmd)} kept running; expected it to refuse to start") from None


@pytest.mark.parametrize("setting,named", [
    ("no.such.property=1", "no.such.property"),
    ("num.partitions=abc", "num.partitions"),
    ("num.partitions=0", "num.partitions"),
    ("auto.create.topics.enable=maybe", "auto.create.topics.enable"),
    ("message.max.bytes=-5", "message.max.bytes"),
    ("num.partitions", "num.partitions"),  # no '='
], ids=["unknown", "not-a-number", "zero-partitions", "not-a-bool", "negative", "no-value"])
def test_bad_setting_exits_2_naming_it(fjord_bin, tmp_path, setting, named):
    res = run_serve(fjord_bin, tmp_path, "--set", setting)
    assert res.returncode == 2, (res.returncode, res.stderr.decode(errors="replace"))
    assert named in res.stderr.decode(errors="replace"), res.stderr
    assert not (tmp_path / "port").exists(), "a broker that refused to start wrote a port file"


@pytest.mark.parametrize("args", [
    ["--listen", "127.0.0.1"],
    ["--listen", "127.0.0.1:99999"],
    ["--no-such-flag", "x"],
    ["--log-level", "loud"],
], ids=["listen-without-port", "listen-port-out-of-range", "unknown-flag", "bad-log-level"])
def test_bad_command_line_exits_2(fjord_bin, tmp_path, args):
    res = run_serve(fjord_bin, tmp_path, *args)
    assert res.returncode == 2, (res.returncode, res.stderr.decode(errors="replace"))


def test_sigint_stops_cleanly(broker_factory):
    b = broker_factory()
    assert 1 in list_topics(b.bootstrap).brokers
    b.proc.send_signal(signal.SIGINT)
    assert b.proc.wait(timeout=20) == 0, b.log_tail()


def test_restart_on_same_data_dir_gets_a_working_port(broker_factory):
    b = broker_factory()
    first = b.port
    b.stop()
    b.start()
    assert b.port is not None
    assert 1 in list_topics(b.bootstrap).brokers, f"restarted broker (port {first} -> {b.port})"


def test_second_broker_on_the_same_data_dir_is_refused(broker, fjord_bin, tmp_path):
    cmd = [str(fjord_bin), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(broker.data_dir),
           "--http", "127.0.0.1:0"]
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=15)
    assert res.returncode == 1, (res.returncode, res.stderr.decode(errors="replace"))
    assert "in use by another broker" in res.stderr.decode(errors="replace")
    assert list(list_topics(broker.bootstrap).brokers) == [1], "the first broker stopped serving"


# ---------------------------------------------------------------------------------------------
# --config FILE


def write_config(tmp_path, text: str):
    path = tmp_path / "server.properties"
    path.write_text(text)
    return path


def test_config_file_sets_properties_and_flags_override_it(broker_factory, tmp_path):
    from confluent_kafka.admin import ConfigResource, ConfigSource

    from clients import admin

    path = write_config(tmp_path, "# Fjord broker\n"
                                  "num.partitions = 3\n"
                                  "\n"
                                  "! Java-style comment\n"
                                  "log.retention.check.interval.ms=250\n"
                                  "log.cleanup.policy=delete,\\\n"
                                  "    compact\n"
                                  "log.retention.check.interval.ms=300\n")
    b = broker_factory({"num.partitions": 2}, extra_args=["--config", str(path)])
    resource = ConfigResource("broker", "1")
    client = admin(b.bootstrap)  # must outlive its futures
    configs = client.describe_configs([resource], request_timeout=10)[resource].result(20)
    assert configs["num.partitions"].value == "2"  # --set wins over the file
    assert configs["log.retention.check.interval.ms"].value == "300"  # the last duplicate wins
    assert configs["log.cleanup.policy"].value == "delete,compact"
    assert int(configs["log.cleanup.policy"].source) == ConfigSource.STATIC_BROKER_CONFIG.value


@pytest.mark.parametrize("text,named,line", [
    ("num.partitions=2\n# comment\nno.such.property=1\n", "no.such.property", 3),
    ("\n\nnum.partitions=zero\n", "num.partitions", 3),
    ("log.cleanup.policy=keep\n", "log.cleanup.policy", 1),
    ("a=\\u12\n", "\\u", 1),
], ids=["unknown-key", "bad-value", "bad-list", "bad-escape"])
def test_bad_config_file_exits_2_naming_the_key_and_line(fjord_bin, tmp_path, text, named, line):
    path = write_config(tmp_path, text)
    res = run_serve(fjord_bin, tmp_path, "--config", str(path))
    stderr = res.stderr.decode(errors="replace")
    assert res.returncode == 2, (res.returncode, stderr)
    assert named in stderr and f"{path}:{line}" in stderr, stderr
    assert not (tmp_path / "port").exists()


def test_settings_that_contradict_each_other_exit_2(fjord_bin, tmp_path):
    res = run_serve(fjord_bin, tmp_path, "--set", "log.cleaner.min.compaction.lag.ms=5000",
                    "--set", "log.cleaner.max.compaction.lag.ms=4000")
    stderr = res.stderr.decode(errors="replace")
    assert res.returncode == 2, (res.returncode, stderr)
    assert "log.cleaner.min.compaction.lag.ms (5000) must not exceed" in stderr, stderr
    assert not (tmp_path / "port").exists()


def test_missing_config_file_exits_2(fjord_bin, tmp_path):
    res = run_serve(fjord_bin, tmp_path, "--config", str(tmp_path / "nope.properties"))
    assert res.returncode == 2
    assert "nope.properties" in res.stderr.decode(errors="replace")
