"""A TCP proxy on loopback in front of the real PostgreSQL that a test can freeze: while
frozen it accepts connections and reads what each side sends, but forwards nothing, as a
database stopped dead (or the network to it) looks from the app. The real server is never
touched (it is shared)."""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class FrozenProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._thawed = threading.Event()
        self._thawed.set()
        self._closing = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        self._thawed.clear()

    def thaw(self) -> None:
        self._thawed.set()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
                server = socket.create_connection(self.target)
            except OSError:
                return
            with self._lock:
                self._sockets += [client, server]
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                self._thawed.wait()  # held, not forwarded, while frozen
                dst.sendall(data)
            self._thawed.wait()
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the other side went away: so does this direction

    def close(self) -> None:
        self._closing = True
        self.thaw()
        self.listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def __enter__(self) -> FrozenProxy:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
