"""Downloads from a real local HTTP server: verified once, then cached; every failure is clean."""

from __future__ import annotations

import socket
import time
import urllib.request

import numpy as np
import pytest
from data_helpers import isolate, leftovers, serve_splits, small_split

from lecture_utils.data import DataError, data_source, dataset, download, load_sign_mnist
from lecture_utils.data.download import git_blob_id


@pytest.fixture
def env(monkeypatch, tmp_path, server):
    """A fresh cache, and the local server's files pinned as the real data's."""
    cache = isolate(monkeypatch, tmp_path)
    serve_splits(monkeypatch, server, {"train": 30, "test": 12})
    return cache


def _use(monkeypatch, server, mode):
    monkeypatch.setenv("LECTURE_DATA_URL", server.url(mode))


def test_git_blob_id_matches_git(tmp_path):
    path = tmp_path / "hello.txt"
    path.write_bytes(b"hello\n")
    assert git_blob_id(path) == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object


def test_the_pinned_copy_is_the_default():
    assert dataset.BLOB_IDS["train"] == "ac853c483879f6dc2d529d876f54a4d1c3c024b8"
    assert dataset.BLOB_IDS["test"] == "92d57ca6970e5e6dd8f09937798902fbb7ce4746"
    assert download.file_url("test") == f"{dataset.PINNED_URL}/sign_mnist_test.csv"
    assert dataset.PINNED_URL.endswith(
        "c9c85efec8bc4fcdce1ab7863cd058cbc3c27a37/data/sign-language-mnist"
    )


def test_first_load_downloads_and_verifies_second_uses_cache(monkeypatch, env, server):
    _use(monkeypatch, server, "ok")
    x, y = load_sign_mnist("train", source="real")
    assert data_source().is_real and data_source().name == "Sign Language MNIST"
    assert server.requests == ["/ok/sign_mnist_train.csv"]
    assert x.shape == (30, 1, 28, 28) and y.shape == (30,)
    assert sorted(p.name for p in env.iterdir()) == [
        "sign_mnist_train.csv",
        "sign_mnist_train.csv.lock",
        "sign_mnist_train.npz",
        "sign_mnist_train.npz.lock",
    ]
    x2, y2 = load_sign_mnist("train", source="real")
    assert len(server.requests) == 1  # no second request
    assert (x2 == x).all() and (y2 == y).all()
    images, labels = small_split("train", n=30)
    np.testing.assert_array_equal((x2[:, 0] * 255).round().byte().numpy(), images)
    np.testing.assert_array_equal(y2.numpy(), labels)


def test_a_5xx_answer_is_retried(monkeypatch, env, server):
    _use(monkeypatch, server, "flaky")
    x, _ = load_sign_mnist("test", source="real")
    assert len(x) == 12
    assert server.requests == ["/flaky/sign_mnist_test.csv"] * 2


FAILURES = {
    "404": ("HTTP 404 Not Found", 1),
    "500": ("HTTP 500 Internal Server Error (tried 2 times)", 2),
    "truncated": ("truncated: received", 2),
    "drop": ("RemoteDisconnected: Remote end closed connection without response) (tried 2", 2),
    "stall": ("the server sent nothing for 0.5 s (timed out)", 1),
    "stall-after-5k": ("sent nothing for 0.5 s after 5,120 bytes", 1),
    "html": ("its checksum does not match", 1),
}


@pytest.mark.parametrize("mode", list(FAILURES))
def test_download_failure_gives_data_error_and_leaves_cache_clean(monkeypatch, env, server, mode):
    fragment, n_requests = FAILURES[mode]
    _use(monkeypatch, server, mode)
    with pytest.raises(DataError) as info:
        load_sign_mnist("train", source="real")
    message = str(info.value)
    assert fragment in message
    assert f"{server.url(mode)}/sign_mnist_train.csv" in message
    assert "LECTURE_DATA_URL" in message and "LECTURE_DATA=synthetic" in message
    assert len(server.requests) == n_requests
    assert leftovers(env) == []
    assert not (env / "sign_mnist_train.csv").exists()
    assert not (env / "sign_mnist_train.npz").exists()


def test_checksum_mismatch_is_refused(monkeypatch, env, server):
    _use(monkeypatch, server, "ok")
    monkeypatch.setitem(dataset.BLOB_IDS, "train", "0" * 40)
    with pytest.raises(DataError, match="checksum does not match") as info:
        load_sign_mnist("train", source="real")
    assert "expected 0000000000" in str(info.value)
    assert len(server.requests) == 1  # a wrong file is not fetched again
    assert leftovers(env) == [] and not (env / "sign_mnist_train.csv").exists()


def test_truncated_body_message_gives_sizes(monkeypatch, env, server):
    _use(monkeypatch, server, "truncated")
    monkeypatch.setattr(download, "TRIES", 1)
    size = len(server.files["sign_mnist_train.csv"])
    with pytest.raises(DataError, match=f"received {size // 2:,} of {size:,} bytes"):
        load_sign_mnist("train", source="real")
    assert leftovers(env) == []


def test_connection_refused_is_a_data_error(env):
    with pytest.raises(DataError, match="could not connect"):
        load_sign_mnist("train", source="real")
    assert leftovers(env) == []


def _bigger_files(monkeypatch, server) -> None:
    """Serve a train file of about 60 KB, so that 5 KB is a small part of it."""
    serve_splits(monkeypatch, server, {"train": 40, "test": 12})


def test_a_mirror_that_stalls_is_given_up_quickly(monkeypatch, env, server):
    _bigger_files(monkeypatch, server)
    monkeypatch.setattr(download, "STALL_S", 0.4)
    _use(monkeypatch, server, "stall-after-5k")
    start = time.perf_counter()
    with pytest.raises(DataError, match="sent nothing for 0.4 s after 5,120 bytes"):
        load_sign_mnist("train", source="real")
    assert time.perf_counter() - start < 3.0  # the server would go on stalling for 5 s
    assert len(server.requests) == 1  # a stalled mirror is not waited for again
    assert leftovers(env) == []


def test_a_slow_but_moving_download_goes_on(monkeypatch, env, server):
    _bigger_files(monkeypatch, server)
    monkeypatch.setattr(download, "STALL_S", 0.4)  # each piece comes within 0.1 s
    _use(monkeypatch, server, "slow")  # 10 pieces: about 1 s in all, longer than STALL_S
    start = time.perf_counter()
    x, _ = load_sign_mnist("train", source="real")
    assert len(x) == 40 and time.perf_counter() - start > 0.4


def test_the_stall_limit_is_20_seconds():
    assert download.STALL_S == 20.0


def test_a_server_that_accepts_and_sends_nothing_is_given_up_after_the_stall_limit(
    monkeypatch, env
):
    monkeypatch.setattr(download, "STALL_S", 0.5)  # as a stand-in for the 20 s
    with socket.socket() as silent:  # the kernel accepts connections; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setenv("LECTURE_DATA_URL", f"http://127.0.0.1:{silent.getsockname()[1]}/x")
        start = time.perf_counter()
        with pytest.raises(DataError) as info:
            load_sign_mnist("train", source="real")
        waited = time.perf_counter() - start
    assert "the server sent nothing for 0.5 s (timed out)" in str(info.value)
    assert 0.4 < waited < 3.0  # given up after the limit, and not tried again
    assert leftovers(env) == []


def test_a_refused_connection_is_reported_as_refused_and_not_tried_again(monkeypatch, env):
    opened = []
    real_urlopen = urllib.request.urlopen
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda *a, **k: opened.append(a) or real_urlopen(*a, **k)
    )
    monkeypatch.setattr(download, "TRIES", 3)  # as shipped
    with pytest.raises(DataError) as info:
        load_sign_mnist("train", source="real")
    assert "could not connect (Connection refused)" in str(info.value)
    assert len(opened) == 1
