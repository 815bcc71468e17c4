"""The cache: its folder, binary copies rebuilt when bad, concurrent loads safe, clear errors."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from data_helpers import isolate, leftovers, refuse_writes, serve_splits, small_split

from lecture_utils.data import DataError, cache_dir, dataset, load_sign_mnist, sign_mnist_csv
from lecture_utils.data.__main__ import main


@pytest.fixture
def env(monkeypatch, tmp_path, server):
    cache = isolate(monkeypatch, tmp_path)
    serve_splits(monkeypatch, server, {"train": 25, "test": 25})
    monkeypatch.setenv("LECTURE_DATA_URL", server.url("ok"))
    return cache


def test_cache_dir_is_lecture_cache_else_the_systems_user_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("LECTURE_CACHE", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("LECTURE_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for platform, folder in [
        ("linux", ".cache"),
        ("darwin", "Library/Caches"),
        ("win32", "AppData/Local"),
    ]:
        monkeypatch.setattr(sys, "platform", platform)
        assert cache_dir() == Path.home() / folder / "lecture-cnn-asl"
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "lecture-cnn-asl"


def test_default_cache_is_outside_the_repository(monkeypatch):
    monkeypatch.delenv("LECTURE_CACHE", raising=False)
    repo = Path(__file__).resolve().parents[1]
    assert repo not in cache_dir().resolve().parents


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(255 - b for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))


def _stale(path: Path) -> None:
    images, labels = small_split("test", n=3)
    np.savez(path, images=images, labels=labels, key=np.array("f" * 40))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [_truncate, _garble, _stale, _empty])
def test_a_bad_binary_copy_is_rebuilt_from_the_csv(env, server, damage):
    x, y = load_sign_mnist("train", source="real")
    npz = env / "sign_mnist_train.npz"
    damage(npz)
    x2, y2 = load_sign_mnist("train", source="real")
    assert len(server.requests) == 1  # rebuilt from the verified CSV, not downloaded again
    assert (x2 == x).all() and (y2 == y).all()
    with np.load(npz) as rebuilt:  # whole again
        np.testing.assert_array_equal(rebuilt["labels"], y.numpy())
    assert leftovers(env) == []


def test_a_damaged_csv_is_downloaded_again(env, server):
    x, _ = load_sign_mnist("test", source="real")
    csv = sign_mnist_csv("test", source="real")
    (env / "sign_mnist_test.npz").unlink()
    csv.write_bytes(csv.read_bytes()[:-10])
    x2, _ = load_sign_mnist("test", source="real")
    assert server.requests == ["/ok/sign_mnist_test.csv"] * 2
    assert (x2 == x).all()


CHILD = """
import sys, time
from pathlib import Path
from lecture_utils.data import dataset, load_sign_mnist
dataset.BLOB_IDS = {{"train": {train!r}, "test": {test!r}}}
Path(sys.argv[1]).touch()                       # ready
while not Path(sys.argv[2]).exists():           # wait for the start signal
    time.sleep(0.01)
x, y = load_sign_mnist("train", source="real")
print("loaded", tuple(x.shape), int(y.sum()))
"""


def test_two_processes_loading_at_once_share_one_download(env, server, tmp_path):
    code = CHILD.format(**dataset.BLOB_IDS)
    env_vars = {"LECTURE_CACHE": str(env), "LECTURE_DATA_URL": server.url("slow")}
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / f"ready{i}"), str(go)],
            env={**os.environ, **env_vars, "PYTHONPATH": ""},
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
    with pytest.raises(DataError, match="cannot be used: Permission denied"):
        load_sign_mnist("train", source="real")
    assert server.requests == []


def test_a_read_only_cache_that_holds_the_data_still_serves_it(monkeypatch, env, server):
    x, _ = load_sign_mnist("train", source="real")
    refuse_writes(monkeypatch, env)
    x2, _ = load_sign_mnist("train", source="real")
    assert (x2 == x).all() and len(server.requests) == 1


def test_without_a_usable_cache_the_stand_in_is_generated_on_each_load_saying_so(
    monkeypatch, env, generated, capsys
):
    env.mkdir()
    refuse_writes(monkeypatch, env)
    x, _ = load_sign_mnist("test", source="synthetic")
    x2, _ = load_sign_mnist("test", source="synthetic")
    assert len(x) == 48 and (x == x2).all() and generated == ["test", "test"]
    out = capsys.readouterr().out
    assert out.count("Not keeping a binary copy of synthetic-v1-seed0-test.npz") == 2
    assert "cannot be used: Permission denied" in out
    with pytest.raises(DataError, match="Permission denied"):
        sign_mnist_csv("test", source="synthetic")  # a CSV file needs a folder to be in


def test_on_a_full_disk_the_stand_in_is_generated_once_and_used(
    monkeypatch, env, generated, capsys
):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    x, _ = load_sign_mnist("test", source="synthetic")
    assert len(x) == 48 and generated == ["test"]
    assert "Not keeping a binary copy in" in capsys.readouterr().out
    assert leftovers(env) == []


def test_make_data_names_a_cache_path_that_is_a_file(monkeypatch, env, capsys):
    (env.parent / "not-a-folder").write_text("x")
    monkeypatch.setenv("LECTURE_CACHE", str(env.parent / "not-a-folder"))
    assert main() == 1
    assert "Could not prepare the data: The cache folder" in capsys.readouterr().err


def test_make_data_names_a_read_only_cache_also_for_the_stand_in(monkeypatch, env, generated):
    env.mkdir()
    refuse_writes(monkeypatch, env)
    monkeypatch.setenv("LECTURE_DATA", "synthetic")
    assert main() == 1


def test_files_left_by_a_killed_write_are_removed_by_the_next_load(monkeypatch, env, generated):
    env.mkdir()
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


REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value", ["my-cache", "../outside-cache"])
def test_a_relative_cache_path_means_the_same_in_root_and_notebooks(monkeypatch, value):
    monkeypatch.setenv("LECTURE_CACHE", value)
    monkeypatch.chdir(REPOSITORY)
    from_root = cache_dir()
    monkeypatch.chdir(REPOSITORY / "notebooks")  # where notebook kernels start
    assert cache_dir() == from_root == Path(os.path.normpath(REPOSITORY / value))


def test_a_relative_path_outside_the_repository_is_taken_from_the_working_directory(
    monkeypatch, tmp_path
):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "lecture-utils"\n')  # a copy
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.setenv("LECTURE_CACHE", "my-cache")
    assert cache_dir() == tmp_path / "elsewhere" / "my-cache"
