"""Shared helpers for the data-layer tests: small CSV files, a misbehaving local HTTP server."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from lecture_utils.data import download, sources
from lecture_utils.data.csv_format import HEADER
from lecture_utils.data.synthetic import generate, split_seed


def small_split(split: str, n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A few stand-in images for one split (fast), to write into test CSV files."""
    return generate(n, split_seed(seed, split))


def csv_bytes(images: np.ndarray, labels: np.ndarray, newline: str = "\n") -> bytes:
    """The bytes of a Sign Language MNIST CSV holding these images and labels."""
    rows = np.column_stack([labels, images.reshape(len(images), -1)])
    lines = [",".join(HEADER)] + [",".join(map(str, row)) for row in rows.tolist()]
    return (newline.join(lines) + newline).encode()


def write_csv(path: Path, images: np.ndarray, labels: np.ndarray) -> Path:
    """Write a valid CSV file and return its path."""
    path.write_bytes(csv_bytes(images, labels))
    return path


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens, so a download fails at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/data"


def isolate(monkeypatch, tmp_path: Path) -> Path:
    """Point the cache and the URL away from the user's and the network; fast timeouts."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("LECTURE_CACHE", str(cache))
    monkeypatch.setenv("LECTURE_DATA_URL", closed_port_url())
    monkeypatch.delenv("LECTURE_DATA", raising=False)
    monkeypatch.setattr(download, "TIMEOUT_S", 0.5)
    monkeypatch.setattr(download, "TRIES", 2)
    monkeypatch.setattr(download, "BACKOFF_S", 0.01)
    monkeypatch.setattr(sources, "_latest", None)
    monkeypatch.setattr(sources, "_auto_fallbacks", set())
    return cache


def leftovers(folder: Path) -> list[str]:
    """Names in the cache folder that a clean run must not leave behind (temp or partial files)."""
    if not folder.exists():
        return []
    allowed = (".csv", ".npz", ".lock")
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix not in allowed
    )


class CsvServer:
    """A real HTTP server on 127.0.0.1, in a thread, serving ``/<mode>/<file name>``.

    Modes: ok, slow (ok, in small delayed pieces), 404, 500, flaky (500 once, then ok),
    truncated (Content-Length larger than the body, then close), html (an error page with
    status 200), html-as-text (the same page labelled text/plain), stall (no answer until
    the test ends or 5 s pass).
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        self._flaky_seen: set[str] = set()
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                server.requests.append(self.path)
                _, mode, name = self.path.split("/", 2)
                server.handle(self, mode, name)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def url(self, mode: str = "ok") -> str:
        """The base URL that serves every file in ``mode``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/{mode}"

    def close(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def handle(self, h: BaseHTTPRequestHandler, mode: str, name: str) -> None:
        body = self.files.get(name)
        if body is None or mode == "404":
            h.send_error(404, "Not Found")
            return
        if mode == "500" or (mode == "flaky" and name not in self._flaky_seen):
            self._flaky_seen.add(name)
            h.send_error(500, "Internal Server Error")
            return
        if mode == "stall":
            self._release.wait(5.0)
            return
        if mode in ("html", "html-as-text"):
            page = b"<!DOCTYPE html><html><body><h1>Sign in to continue</h1></body></html>"
            kind = "text/html; charset=utf-8" if mode == "html" else "text/plain"
            self._send(h, page, kind)
            return
        if mode == "truncated":
            h.send_response(200)
            h.send_header("Content-Type", "text/plain")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        if mode == "slow":
            self._send(h, body, "text/plain", pieces=5, delay=0.1)
            return
        self._send(h, body, "text/plain; charset=utf-8")

    @staticmethod
    def _send(h, body: bytes, kind: str, pieces: int = 1, delay: float = 0.0) -> None:
        h.send_response(200)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        step = -(-len(body) // pieces)
        for start in range(0, len(body), step):
            h.wfile.write(body[start : start + step])
            h.wfile.flush()
            time.sleep(delay)
