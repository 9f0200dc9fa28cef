"""A TCP proxy for fault tests: clients connect to it (the broker advertises it through
advertised.listeners), it forwards to the broker's current port, and a test can drop every
connection at once or point it at a restarted broker.

Threads only (one acceptor, two pumps per connection); every socket has a timeout, and close()
joins what it started.
"""

from __future__ import annotations

import socket
import struct
import threading


class TcpProxy:
    def __init__(self, upstream_port: int | None = None, host: str = "127.0.0.1"):
        self.host = host
        self._upstream = upstream_port
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._threads: list[threading.Thread] = []
        self._closed = False
        self.connections = 0  # accepted and forwarded
        self.drops = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name="proxy-accept",
                                          daemon=True)
        self._acceptor.start()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def set_upstream(self, port: int | None) -> None:
        """Where new connections go; None refuses them (the broker is down)."""
        with self._lock:
            self._upstream = port

    def drop_all(self) -> int:
        """Resets every open connection, both sides; returns how many there were."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
            self.drops += 1
        for client, server in pairs:
            for s in (client, server):
                _reset(s)
        return len(pairs)

    def close(self) -> None:
        self._closed = True
        self.drop_all()
        self._acceptor.join(5)
        self._listener.close()
        for t in list(self._threads):
            t.join(5)

    def __enter__(self) -> "TcpProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                upstream = self._upstream
            try:
                if upstream is None:
                    raise OSError("no upstream")
                server = socket.create_connection((self.host, upstream), timeout=2)
            except OSError:
                _reset(client)
                continue
            for s in (client, server):
                s.settimeout(None)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._closed:
                    _reset(client)
                    _reset(server)
                    return
                self._pairs.append((client, server))
                self.connections += 1
                self._threads = [t for t in self._threads if t.is_alive()]
                for src, dst in ((client, server), (server, client)):
                    t = threading.Thread(target=_pump, args=(src, dst), name="proxy-pump",
                                         daemon=True)
                    self._threads.append(t)
                    t.start()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    # One side ended: end both, so the peer of a dead connection notices at once.
    _reset(src)
    _reset(dst)


def _reset(s: socket.socket) -> None:
    try:
        # Linger 0: close() sends RST, as a dropped network path or a crashed peer would look.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
