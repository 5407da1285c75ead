"""Helpers for tests that drive the server from outside: a real `distillr serve` process, its
memory, and a capture server that records every request it gets."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

PLUGIN = Path(__file__).parents[1] / "cli" / "plugin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(home) -> dict[str, str]:
    """The environment of a fresh CLI process: its own home, the fake type installed."""
    env = {k: v for k, v in os.environ.items() if k != "DISTILLR_SECRET_KEY"}
    env["DISTILLR_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join([str(PLUGIN), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def cli(home, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """Run `distillr ARGS` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "distillr.cli", *args],
        env=cli_env(home),
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


class ServeProcess:
    """``with ServeProcess(home, "--auth") as srv:`` runs `distillr serve` on a free port."""

    def __init__(self, home, *args: str) -> None:
        self.home, self.args = home, args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> ServeProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "distillr.cli", "serve", "--port", str(self.port), *self.args],
            env=cli_env(self.home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"distillr serve ended: {self.proc.stderr.read().decode()}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("distillr serve did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def memory(self) -> tuple[int, int]:
        """(current RSS, peak RSS) of the server process, in bytes."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return (int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024)


class Capture:
    """A real HTTP server on loopback that records every request (method, path, headers, body)
    and answers ``status`` with a JSON ``body``."""

    def __init__(self, status: int = 401, body: dict | None = None) -> None:
        self.requests: list[dict] = []
        self.status = status
        self.body = body if body is not None else {"code": 20003, "message": "CAPTURED-BODY"}
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                capture.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "body": self.rfile.read(length) if length else b"",
                    }
                )
                data = json.dumps(capture.body).encode()
                self.send_response(capture.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Capture:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def saw(self, secret: str) -> bool:
        """Did any request carry ``secret`` (in clear or inside Basic auth)?"""
        import base64

        for req in self.requests:
            text = json.dumps(req["headers"]) + req["path"] + req["body"].decode("latin-1")
            if secret in text:
                return True
            auth = req["headers"].get("Authorization") or req["headers"].get("authorization")
            if auth and auth.lower().startswith("basic "):
                try:
                    if secret in base64.b64decode(auth[6:]).decode("latin-1"):
                        return True
                except ValueError:
                    pass
        return False
