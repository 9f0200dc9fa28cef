"""Kafka's own server.properties starts Fjord unchanged: the KRaft settings are taken (the
controller listener is not bound, since Fjord keeps its metadata itself), clients reach the
PLAINTEXT listener at the advertised address, and what Fjord cannot serve is refused by name.
socket.send/receive.buffer.bytes reach the connections' socket buffers."""

from __future__ import annotations

import re
import socket
import subprocess
import time

import pytest

from clients import consume_all, create_topics, produce_records, unique_topic

# Kafka 3.x config/kraft/server.properties with the ports and the data directory filled in;
# Kafka 3.9 advertises the controller listener too and names the quorum by address.
KRAFT_3X = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:{controller}
listeners=PLAINTEXT://:{port},CONTROLLER://:{controller}
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs={data}
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
"""
KRAFT_39 = (KRAFT_3X
            .replace("controller.quorum.voters=1@localhost:{controller}",
                     "controller.quorum.bootstrap.servers=localhost:{controller}")
            .replace("advertised.listeners=PLAINTEXT://localhost:{port}",
                     "advertised.listeners=PLAINTEXT://localhost:{port},"
                     "CONTROLLER://localhost:{controller}"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_port(path) -> int | None:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    return int(text) if text.endswith("\n") else None


class Served:
    """A broker started from a config file alone (no --listen), stopped on exit."""

    def __init__(self, fjord_bin, tmp_path, text: str, *extra: str):
        self.port_file = tmp_path / "port"
        self.log = tmp_path / "broker.log"
        path = tmp_path / "server.properties"
        path.write_text(text)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(fjord_bin), "serve", "--config", str(path), "--port-file",
                 str(self.port_file), "--http", "off", *extra],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=tmp_path)

    def __enter__(self) -> "Served":
        deadline = time.monotonic() + 20
        while (port := read_port(self.port_file)) is None:
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "no port file after 20 s"
            time.sleep(0.02)
        self.port = port
        return self

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.mark.parametrize("template", [KRAFT_3X, KRAFT_39], ids=["kafka-3.x", "kafka-3.9"])
def test_kafkas_kraft_server_properties_start_fjord(fjord_bin, tmp_path, template):
    port, controller = free_port(), free_port()
    text = template.format(port=port, controller=controller, data=tmp_path / "data")
    with Served(fjord_bin, tmp_path, text) as b:
        assert b.port == port
        bootstrap = f"localhost:{port}"
        topic = unique_topic("stock")
        create_topics(bootstrap, {topic: 3})
        sent = produce_records(bootstrap, topic, [(b"k%d" % i, b"v%d" % i, None) for i in range(30)])
        got = consume_all(bootstrap, topic, 3, min_count=30)
        assert sorted(m.value() for ms in got.values() for m in ms) == sorted(d.value for d in sent)
        log = b.log.read_text()
        assert ("listener CONTROLLER not bound: it is a KRaft controller listener" in log), log
        assert f"advertised as localhost:{port}" in log, log
        # Every interface is bound for PLAINTEXT://:port; nothing for the controller.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", controller), timeout=5).close()


@pytest.mark.parametrize("change,named", [
    (("listeners=PLAINTEXT://:{port},CONTROLLER://:{controller}",
      "listeners=PLAINTEXT://:{port},CONTROLLER://:{controller},INTERNAL://:{controller2}"),
     "Fjord serves clients on one listener"),
    (("listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,",
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:SSL,"),
     "listener PLAINTEXT uses SSL"),
    (("controller.quorum.voters=1@localhost:{controller}",
      "controller.quorum.voters=1@localhost:{controller},2@otherhost:{controller}"),
     "controller.quorum.voters: voter 2 is not this node"),
    (("process.roles=broker,controller", "process.roles=controller"),
     "process.roles: 'controller' leaves out broker"),
    (("node.id=1", "node.id=1\nzookeeper.connect=localhost:2181"), "no ZooKeeper mode"),
], ids=["two-client-listeners", "ssl", "quorum-of-others", "controller-only", "zookeeper"])
def test_what_fjord_cannot_serve_is_refused_by_name(fjord_bin, tmp_path, change, named):
    port, controller = free_port(), free_port()
    text = KRAFT_3X.replace(*change).format(port=port, controller=controller,
                                            controller2=free_port(), data=tmp_path / "data")
    b = Served(fjord_bin, tmp_path, text)
    try:
        rc = b.proc.wait(timeout=15)
    finally:
        if b.proc.poll() is None:
            b.proc.kill()
    log = b.log.read_text()
    assert rc == 2, log
    assert named in log, log
    assert not b.port_file.exists()


def socket_buffers(port: int) -> tuple[int, int]:
    """rb and tb (the kernel's doubled SO_RCVBUF and SO_SNDBUF) of the broker's side of the one
    established connection to `port`, from ss(8)."""
    out = subprocess.run(["ss", "-tmnH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    found = re.findall(r"skmem:\(r\d+,rb(\d+),t\d+,tb(\d+)", out)
    assert len(found) == 1, out
    return int(found[0][0]), int(found[0][1])


@pytest.mark.parametrize("send,receive", [(32768, 65536), (102400, 102400)])
def test_socket_buffer_sizes_reach_the_connections(broker_factory, send, receive):
    b = broker_factory({"socket.send.buffer.bytes": send, "socket.receive.buffer.bytes": receive})
    with socket.create_connection(("127.0.0.1", b.port), timeout=5):
        rb, tb = socket_buffers(b.port)
    # Linux doubles the value set, for its bookkeeping.
    assert (rb, tb) == (2 * receive, 2 * send)
