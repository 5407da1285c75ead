"""Serving a sandbox's ASGI app with uvicorn in a background thread.

A sandbox class subclasses :class:`SandboxServer`, sets ``self.app`` (an ASGI app with a
``faults`` attribute) and calls ``SandboxServer.__init__(self, host, port)``. It then starts
with ``start()`` or ``with Sandbox() as sb:``; ``port=0`` picks a free port, and ``base_url``
tells which. The socket is bound before the thread starts, so a port in use is a clear
``ConfigError``, never a thread that dies later.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from distillr.errors import ConfigError


class SandboxServer:
    """A sandbox app served on ``host:port`` by uvicorn in a daemon thread."""

    app: Any
    #: How the sandbox names itself in thread names and errors.
    label = "sandbox"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def running(self) -> bool:
        return self._sock is not None

    @property
    def base_url(self) -> str:
        if self._sock is None:
            name = type(self).__name__
            raise RuntimeError(f"the sandbox is not running; use 'with {name}() as sb:' or start()")
        host, port = self._sock.getsockname()[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def start(self):
        import uvicorn

        if self._thread is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
        # sockets that say they are TCP; with it on, every small response waited ~40 ms for the
        # client's delayed ACK of its headers
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as e:
            sock.close()
            raise ConfigError(
                f"Cannot listen on {self.host}:{self.port} ({e.strerror}); "
                "choose another --port or 0 for any free port."
            ) from None
        sock.listen(128)
        sock.setblocking(False)
        self._sock = sock
        # dropped connections are injected on purpose: uvicorn would log each as an error
        level = "critical" if self.app.faults.drop else "warning"
        config = uvicorn.Config(
            self.app, log_level=level, access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"{self.label.lower()}-sandbox",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the {self.label} sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def serve_forever(self) -> None:
        """Block until Ctrl-C (used by ``distillr sandbox``)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
