"""The binary cache: default folder, corruption and staleness detected, concurrent loads safe."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from data_helpers import (
    csv_bytes,
    isolate,
    leftovers,
    refuse_writes,
    small_split,
    small_stand_in,
)

from lecture_utils.data import DataError, download, load_sign_mnist, sign_mnist_csv
from lecture_utils.data import cache as cache_module
from lecture_utils.data.__main__ import main
from lecture_utils.data.cache import CacheMiss, cache_dir, read_npz, write_npz
from lecture_utils.data.download import git_blob_id


@pytest.fixture
def env(monkeypatch, tmp_path, server):
    cache = isolate(monkeypatch, tmp_path)
    ids = {}
    for split in ("train", "test"):
        body = csv_bytes(*small_split(split, n=25))
        server.files[download.FILE_NAMES[split]] = body
        (tmp_path / split).write_bytes(body)
        ids[split] = git_blob_id(tmp_path / split)
    monkeypatch.setattr(download, "BLOB_IDS", ids)
    monkeypatch.setenv("LECTURE_DATA_URL", server.url("ok"))
    return cache


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LECTURE_CACHE", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("LECTURE_CACHE")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "lecture-cnn-asl"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "lecture-cnn-asl"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert cache_dir() == Path.home() / "Library" / "Caches" / "lecture-cnn-asl"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert cache_dir() == tmp_path / "local" / "lecture-cnn-asl"


def test_default_cache_is_outside_the_repository(monkeypatch):
    monkeypatch.delenv("LECTURE_CACHE", raising=False)
    repo = Path(__file__).resolve().parents[1]
    assert repo not in cache_dir().resolve().parents


def test_npz_round_trip_and_staleness(tmp_path):
    images, labels = small_split("train", n=10)
    path = tmp_path / "a.npz"
    write_npz(path, images, labels, source_id="abc")
    got_images, got_labels = read_npz(path, "abc")
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    with pytest.raises(CacheMiss, match="stale"):
        read_npz(path, "other")
    write_npz(path, images.astype(np.int16), labels, source_id="abc")
    with pytest.raises(CacheMiss, match="unexpected shapes or dtypes"):
        read_npz(path, "abc")
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]  # no temp files left


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(255 - b for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))


def _stale(path: Path) -> None:
    write_npz(path, *small_split("test", n=3), source_id="f" * 40)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [_truncate, _garble, _stale, _empty])
def test_a_bad_binary_cache_is_rebuilt_from_the_csv(env, server, capsys, damage):
    x, y = load_sign_mnist("train", source="real")
    npz = env / "sign_mnist_train.npz"
    damage(npz)
    with pytest.raises(CacheMiss):
        read_npz(npz, download.BLOB_IDS["train"])
    capsys.readouterr()
    x2, y2 = load_sign_mnist("train", source="real")
    said = "is unusable" in capsys.readouterr().out
    assert said == (damage is not _stale)  # a stale copy is expected when the data changes
    assert len(server.requests) == 1  # rebuilt from the verified CSV, not downloaded again
    assert (x2 == x).all() and (y2 == y).all()
    read_npz(npz, download.BLOB_IDS["train"])  # valid again
    assert leftovers(env) == []


def test_a_damaged_csv_is_downloaded_again(env, server, capsys):
    x, _ = load_sign_mnist("test", source="real")
    (env / "sign_mnist_test.npz").unlink()
    csv = env / "sign_mnist_test.csv"
    csv.write_bytes(csv.read_bytes()[:-10])
    x2, _ = load_sign_mnist("test", source="real")
    assert "does not match its pinned checksum" in capsys.readouterr().out
    assert len(server.requests) == 2
    assert (x2 == x).all()
    assert git_blob_id(csv) == download.BLOB_IDS["test"]


CHILD = """
import sys, time
from pathlib import Path
from lecture_utils.data import download, load_sign_mnist
download.BLOB_IDS = {{"train": {train!r}, "test": {test!r}}}
Path(sys.argv[1]).touch()                       # ready
while not Path(sys.argv[2]).exists():           # wait for the start signal
    time.sleep(0.01)
x, y = load_sign_mnist("train", source="real")
print("loaded", tuple(x.shape), int(y.sum()))
"""


def test_two_processes_loading_at_once_share_one_download(env, server, tmp_path):
    server_url = server.url("slow")  # the download takes about a second
    code = CHILD.format(**download.BLOB_IDS)
    env_vars = {"LECTURE_CACHE": str(env), "LECTURE_DATA_URL": server_url, "PYTHONPATH": ""}
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / f"ready{i}"), str(go)],
            env={**os.environ, **env_vars},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{i}").exists() for i in range(2)):
        assert time.monotonic() < deadline, "children did not start"
        assert all(c.poll() is None for c in children), [c.communicate() for c in children]
        time.sleep(0.02)
    go.touch()
    outputs = [c.communicate(timeout=60) for c in children]
    expected_sum = int(small_split("train", n=25)[1].sum())
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert f"loaded (25, 1, 28, 28) {expected_sum}" in out
    assert server.requests == ["/slow/sign_mnist_train.csv"]  # the lock made the other wait
    read_npz(env / "sign_mnist_train.npz", download.BLOB_IDS["train"])
    assert git_blob_id(env / "sign_mnist_train.csv") == download.BLOB_IDS["train"]
    assert leftovers(env) == []


def test_a_cache_path_that_is_a_file_is_a_clear_error(monkeypatch, env, server):
    (env.parent / "not-a-folder").write_text("x")
    monkeypatch.setenv("LECTURE_CACHE", str(env.parent / "not-a-folder"))
    with pytest.raises(DataError) as info:
        load_sign_mnist("train", source="real")
    message = str(info.value)
    assert "not-a-folder cannot be used" in message and "is a file, not a folder" in message
    assert "Set LECTURE_CACHE to a folder you can write to" in message
    assert server.requests == []  # nothing downloaded that could not be kept


def test_a_read_only_cache_is_a_clear_error(monkeypatch, env, server):
    env.mkdir()
    refuse_writes(monkeypatch, env)
    with pytest.raises(DataError, match="cannot be used: no permission to write there"):
        load_sign_mnist("train", source="real")
    assert server.requests == []


def test_a_read_only_cache_that_holds_the_data_still_serves_it(monkeypatch, env, server):
    x, _ = load_sign_mnist("train", source="real")
    refuse_writes(monkeypatch, env)
    x2, _ = load_sign_mnist("train", source="real")
    assert (x2 == x).all() and len(server.requests) == 1


def test_the_stand_in_works_without_a_usable_cache(monkeypatch, env, capsys):
    env.mkdir()
    refuse_writes(monkeypatch, env)
    small_stand_in(monkeypatch)
    x, _ = load_sign_mnist("test", source="synthetic")
    assert len(x) == 48
    assert "Not caching the synthetic stand-in: The cache folder" in capsys.readouterr().out


def test_without_a_usable_cache_the_stand_in_is_generated_once_per_process(
    monkeypatch, env, capsys
):
    env.mkdir()
    refuse_writes(monkeypatch, env)
    generated = small_stand_in(monkeypatch)
    x, _ = load_sign_mnist("train", source="synthetic")
    x2, _ = load_sign_mnist("train")  # auto: falls back to the same stand-in
    path = sign_mnist_csv("train", source="synthetic")  # what notebook 01 reads with pandas
    assert generated == ["train"]
    assert (x == x2).all() and path.is_file()
    assert capsys.readouterr().out.count("Not caching the synthetic stand-in") == 1


def test_on_a_full_disk_the_stand_in_is_generated_once_and_used(monkeypatch, env, capsys):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache_module, "write_npz", disk_full)
    generated = small_stand_in(monkeypatch)
    x, _ = load_sign_mnist("test", source="synthetic")
    assert len(x) == 48 and generated == ["test"]
    assert "Not keeping a binary copy in" in capsys.readouterr().out
    assert leftovers(env) == []


def test_make_data_names_a_cache_path_that_is_a_file(monkeypatch, env, capsys):
    (env.parent / "not-a-folder").write_text("x")
    monkeypatch.setenv("LECTURE_CACHE", str(env.parent / "not-a-folder"))
    assert main([]) == 1
    assert "Could not prepare the data: The cache folder" in capsys.readouterr().err


def test_make_data_names_a_read_only_cache_also_for_the_stand_in(monkeypatch, env, capsys):
    env.mkdir()
    (env / "download-failed-0123456789ab.txt").write_text("offline")
    refuse_writes(monkeypatch, env)
    small_stand_in(monkeypatch)
    monkeypatch.setenv("LECTURE_DATA", "synthetic")
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "Could not prepare the data: The cache folder" in err and "no permission" in err


def test_files_left_by_a_killed_write_are_removed_by_the_next_load(monkeypatch, env, server):
    env.mkdir()
    small_stand_in(monkeypatch)
    orphans = [
        env / ".sign_mnist_train.npz.k1ll3d.tmp",
        env / ".sign_mnist_train.csv.k1ll3d.part",
        env / ".synthetic-v1-seed0-test.npz.k1ll3d.tmp",
    ]
    for orphan in orphans:
        orphan.write_bytes(b"\0" * 1000)
    load_sign_mnist("train", source="real")
    load_sign_mnist("test", source="synthetic")
    assert leftovers(env) == []


def _fake_repository(root: Path) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "lecture-utils"\n')
    return root


@pytest.mark.parametrize("value", ["my-cache", "../outside-cache"])
def test_a_relative_cache_path_means_the_same_in_root_and_notebooks(monkeypatch, tmp_path, value):
    root = _fake_repository(tmp_path / "course")
    monkeypatch.setenv("LECTURE_CACHE", value)
    monkeypatch.chdir(root)
    from_root = cache_dir()
    monkeypatch.chdir(root / "notebooks")  # where notebook kernels start
    assert cache_dir() == from_root == Path(os.path.normpath(root / value))


def test_a_relative_path_outside_the_project_is_taken_from_the_working_directory(
    monkeypatch, tmp_path
):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "another-project"\n')
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.setenv("LECTURE_CACHE", "my-cache")
    assert cache_dir() == tmp_path / "elsewhere" / "my-cache"
