"""Shared helpers for the data-layer tests: small CSV files, a misbehaving local HTTP server."""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from lecture_utils.data import dataset, download, sources
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


def small_stand_in(monkeypatch) -> list[str]:
    """Make the stand-in small (48 images a split); the list returned records each generation."""
    calls = []

    def small(split, *, seed=0):
        calls.append(split)
        return generate(48, split_seed(seed, split))

    monkeypatch.setattr(sources, "synthetic_sign_mnist", small)
    return calls


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
    monkeypatch.setattr(download, "STALL_S", 0.5)
    monkeypatch.setattr(download, "TRIES", 2)
    monkeypatch.setattr(download, "BACKOFF_S", 0.01)
    monkeypatch.setattr(sources, "_latest", None)  # as in a new process
    monkeypatch.setattr(sources, "_fallback", "")
    return cache


def serve_splits(monkeypatch, server, sizes: dict[str, int], seed: int = 0) -> dict[str, bytes]:
    """Let ``server`` serve small CSV files of both splits, pinned as the real data's."""
    bodies = {s: csv_bytes(*small_split(s, n=n, seed=seed)) for s, n in sizes.items()}
    for split, body in bodies.items():
        server.files[dataset.FILE_NAMES[split]] = body
    monkeypatch.setattr(dataset, "BLOB_IDS", {s: blob_id(b) for s, b in bodies.items()})
    return bodies


def blob_id(body: bytes) -> str:
    """The git blob id of a file holding ``body`` (what git hash-object prints)."""
    return hashlib.sha1(f"blob {len(body)}\0".encode() + body).hexdigest()


def leftovers(folder: Path) -> list[str]:
    """Names in the cache folder that a clean run must not leave behind (temp or partial files)."""
    if not folder.exists():
        return []
    allowed = (".csv", ".npz", ".lock")
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix not in allowed
    )


def refuse_writes(monkeypatch, folder: Path) -> None:
    """Make creating or changing anything in ``folder`` fail with PermissionError, as in a
    read-only folder (``chmod`` does not stop root, who runs the tests in CI)."""
    root = os.path.abspath(folder)

    def inside(path) -> bool:
        if isinstance(path, int):
            return False
        path = os.path.abspath(os.fsdecode(os.fspath(path)))
        return path == root or path.startswith(root + os.sep)

    def refuse(path) -> None:
        raise PermissionError(13, "Permission denied", os.fspath(path))

    real = {name: getattr(os, name) for name in ("open", "mkdir", "replace", "rename", "unlink")}
    real_open = io.open

    def os_open(path, flags, *args, **kwargs):
        if inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real["open"](path, flags, *args, **kwargs)

    def mkdir(path, *args, **kwargs):
        if inside(path):
            if os.path.isdir(path):
                raise FileExistsError(17, "File exists", os.fspath(path))
            refuse(path)
        return real["mkdir"](path, *args, **kwargs)

    def moved(name):
        def move(src, dst, *args, **kwargs):
            if inside(src) or inside(dst):
                refuse(dst)
            return real[name](src, dst, *args, **kwargs)

        return move

    def unlink(path, *args, **kwargs):
        if inside(path) and os.path.lexists(path):
            refuse(path)
        return real["unlink"](path, *args, **kwargs)

    def open_file(file, mode="r", *args, **kwargs):
        if inside(file) and set(mode) & set("wax+"):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "replace", moved("replace"))
    monkeypatch.setattr(os, "rename", moved("rename"))
    monkeypatch.setattr(os, "unlink", unlink)
    monkeypatch.setattr(os, "remove", unlink)
    monkeypatch.setattr(io, "open", open_file)
    monkeypatch.setattr(builtins, "open", open_file)


class CsvServer:
    """A real HTTP server on 127.0.0.1, in a thread, serving ``/<mode>/<file name>``.

    Modes: ok, slow (ok, in small delayed pieces), 404, 500, flaky (500 once, then ok),
    truncated (Content-Length larger than the body, then close), drop (hang up without an
    answer), html (a login page with status 200), stall (no answer until the test ends or
    5 s pass), stall-after-5k (the first 5 KB, then nothing, likewise).
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
        if mode == "drop":  # hang up without a word
            h.close_connection = True
            return
        if mode == "stall":
            self._release.wait(5.0)
            return
        if mode == "stall-after-5k":
            h.send_response(200)
            h.send_header("Content-Type", "text/plain")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[:5120])
            h.wfile.flush()
            self._release.wait(5.0)
            h.close_connection = True
            return
        if mode == "html":
            page = b"<!DOCTYPE html><html><body><h1>Sign in to continue</h1></body></html>"
            self._send(h, page, "text/html; charset=utf-8")
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
        if mode == "slow":  # about a second in all, never more than 0.1 s without data
            self._send(h, body, "text/plain", pieces=10, delay=0.1)
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
