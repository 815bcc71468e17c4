import errno
import io
import os
from pathlib import Path

import pytest
import torch
from torch import nn

import lecture_utils.checkpoints as checkpoints
from lecture_utils.checkpoints import DamagedCheckpoint, load_checkpoint, save_trained
from lecture_utils.data import DataError, DataSource
from lecture_utils.models import ConvNet, LogisticRegression, SmallConvNet
from lecture_utils.training import History

SETTINGS = {"epochs": 1, "lr": 0.01}
FINISHED = History()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURE_CACHE", str(tmp_path))
    source = DataSource("synthetic", "train", 10, "synthetic-v1-seed0")
    monkeypatch.setattr(checkpoints, "data_source", lambda: source)
    return tmp_path


def files_in(folder: Path) -> list[str]:
    """The checkpoints and temporary files in `folder` (lock files are the cache's, kept)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def test_a_saved_model_loads_back_with_its_weights_and_results(cache, capsys):
    torch.manual_seed(0)
    model = ConvNet()
    save_trained(model, SETTINGS, FINISHED, val_accuracy=0.9)
    assert capsys.readouterr().out == "Saved the trained ConvNet for later notebooks.\n"
    path = checkpoints.checkpoint_path(model, SETTINGS)
    torch.manual_seed(1)
    other = ConvNet()
    assert load_checkpoint(other, SETTINGS) == {"val_accuracy": 0.9}
    for a, b in zip(model.state_dict().values(), other.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert files_in(path.parent) == [path.name]  # no temporary file left


class NotebookConvNet(nn.Module):
    """What a notebook cell defines: the package's layers under the same class name."""

    def __init__(self) -> None:
        super().__init__()
        self.pipeline = ConvNet().pipeline

    def forward(self, x):
        return self.pipeline(x)


NotebookConvNet.__name__ = NotebookConvNet.__qualname__ = "ConvNet"


def test_weights_saved_from_a_notebooks_class_load_into_the_packages(cache):
    torch.manual_seed(0)
    save_trained(NotebookConvNet(), SETTINGS, FINISHED, val_accuracy=0.5)
    assert load_checkpoint(ConvNet(), SETTINGS) == {"val_accuracy": 0.5}


def test_the_key_changes_with_settings_architecture_and_data(cache, monkeypatch):
    base = checkpoints.checkpoint_path(ConvNet(), SETTINGS)
    assert base == checkpoints.checkpoint_path(ConvNet(), {"lr": 0.01, "epochs": 1})
    assert base != checkpoints.checkpoint_path(ConvNet(), {**SETTINGS, "epochs": 2})
    wider = ConvNet()
    wider.pipeline[0] = nn.Conv2d(1, 100, 3)  # same class, other architecture
    assert base != checkpoints.checkpoint_path(wider, SETTINGS)
    assert checkpoints.checkpoint_path(SmallConvNet(), SETTINGS).name.startswith("SmallConvNet-")
    real = DataSource("cache", "train", 10, "sign-mnist-abc-def")
    monkeypatch.setattr(checkpoints, "data_source", lambda: real)
    assert base != checkpoints.checkpoint_path(ConvNet(), SETTINGS)


def test_a_stopped_training_is_never_saved_as_the_trained_model(cache, capsys):
    model = ConvNet()
    save_trained(model, SETTINGS, History(interrupted=True), val_accuracy=0.04)
    assert capsys.readouterr().out == (
        "Training was stopped, so this ConvNet is not saved as the trained one: "
        "later notebooks will train their own.\n"
    )
    assert files_in(cache / "checkpoints") == []
    assert load_checkpoint(ConvNet(), SETTINGS) is None


def test_results_are_saved_as_plain_floats_and_need_a_validation_accuracy(cache):
    import numpy as np

    save_trained(LogisticRegression(), SETTINGS, FINISHED, val_accuracy=np.float32(0.25))
    assert load_checkpoint(LogisticRegression(), SETTINGS) == {"val_accuracy": 0.25}
    with pytest.raises(TypeError, match="val_accuracy"):
        save_trained(LogisticRegression(), SETTINGS, FINISHED, accuracy=0.25)


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (
            RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 662"),
            "the file could not be written whole; the disk may be full",
        ),
        (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "no space left on device"),
    ],
    ids=["torch-writer", "os-error"],
)
def test_a_full_disk_loses_the_checkpoint_not_the_lecture(cache, monkeypatch, capsys, error, why):
    def half_a_file_then_fail(obj, f, *args, **kwargs):
        Path(f).write_bytes(b"PK\x03\x04 half a checkpoint")
        raise error

    monkeypatch.setattr(torch, "save", half_a_file_then_fail)
    save_trained(ConvNet(), SETTINGS, FINISHED, val_accuracy=0.9)
    out = capsys.readouterr().out
    assert out == (
        f"Could not save the trained ConvNet in {cache / 'checkpoints'} ({why}), so later "
        "notebooks will train their own; to keep it, free some disk space or point "
        "LECTURE_CACHE at a folder you can write to.\n"
    )
    assert files_in(cache / "checkpoints") == []  # nothing half-written left behind
    assert load_checkpoint(ConvNet(), SETTINGS) is None


def test_an_unusable_cache_folder_loses_the_checkpoint_but_not_the_lecture(
    tmp_path, monkeypatch, capsys
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LECTURE_CACHE", str(blocker))
    monkeypatch.setattr(
        checkpoints, "data_source", lambda: DataSource("synthetic", "train", 1, "s")
    )
    save_trained(LogisticRegression(), SETTINGS, FINISHED, val_accuracy=0.1)
    out = capsys.readouterr().out
    assert out.startswith("Could not save the trained LogisticRegression in ")
    assert "(not a directory)" in out and "LECTURE_CACHE" in out and out.count("\n") == 1
    assert load_checkpoint(LogisticRegression(), SETTINGS) is None
    assert blocker.read_text() == "not a folder"


def test_without_any_cache_folder_models_are_neither_saved_nor_loaded(cache, monkeypatch, capsys):
    def no_home():
        raise DataError("there is no home folder to keep the data cache in: set LECTURE_CACHE")

    monkeypatch.setattr(checkpoints, "cache_dir", no_home)
    save_trained(ConvNet(), SETTINGS, FINISHED, val_accuracy=0.9)
    assert capsys.readouterr().out == (
        "Could not save the trained ConvNet in the cache folder (there is no home folder to keep "
        "the data cache in: set LECTURE_CACHE), so later notebooks will train their own; to keep "
        "it, free some disk space or point LECTURE_CACHE at a folder you can write to.\n"
    )
    assert load_checkpoint(ConvNet(), SETTINGS) is None


def test_a_killed_writers_temporary_files_are_swept_on_the_next_save(cache):
    model = ConvNet()
    path = checkpoints.checkpoint_path(model, SETTINGS)
    path.parent.mkdir(parents=True)
    orphan = path.parent / f".{path.name}.k1ll3d.tmp"  # what atomic_path names its files
    orphan.write_bytes(b"PK\x03\x04 half")
    save_trained(model, SETTINGS, FINISHED, val_accuracy=0.9)
    assert files_in(path.parent) == [path.name]


def test_checkpoints_need_loaded_data(monkeypatch):
    monkeypatch.setattr(checkpoints, "data_source", lambda: None)
    with pytest.raises(RuntimeError, match="load the data"):
        checkpoints.checkpoint_path(ConvNet(), SETTINGS)
    with pytest.raises(RuntimeError, match="load the data"):
        load_checkpoint(ConvNet(), SETTINGS)
    with pytest.raises(RuntimeError, match="load the data"):
        save_trained(ConvNet(), SETTINGS, FINISHED, val_accuracy=0.5)


# Damaged files: each is refused with its problem in words, before any weight is copied.


def saved_bytes(state: dict, **results: object) -> bytes:
    buffer = io.BytesIO()
    torch.save({"state": state, "results": results}, buffer)
    return buffer.getvalue()


def trained_state() -> dict:
    """Weights that differ from the seeded start everywhere, so a copied one shows."""
    return {key: torch.full_like(t, 7.0) for key, t in ConvNet().state_dict().items()}


def good_file() -> bytes:
    return saved_bytes(trained_state(), val_accuracy=0.8)


class RunsCodeWhenUnpickled:
    """A pickled object that writes a file if unpickling ever runs its code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code from a cache file ran"))


BAD_FILES = {
    "empty": (lambda: b"", "it is empty"),
    "random bytes": (lambda: random_bytes(0), "it is not a file that PyTorch saved"),
    "text": (lambda: b"not a checkpoint", "it is not a file that PyTorch saved"),
    "truncated": (lambda: good_file()[:2000], "it is cut short or damaged"),
    "no results": (
        lambda: torch_bytes({"state": trained_state()}),
        "it has no results",
    ),
    "no weights": (lambda: torch_bytes({"results": {"val_accuracy": 0.8}}), "it holds no weights"),
    "accuracy missing": (lambda: saved_bytes(trained_state()), "no validation accuracy"),
    "accuracy a tensor": (
        lambda: saved_bytes(trained_state(), val_accuracy=torch.tensor(0.8)),
        "no validation accuracy",
    ),
    "extra tensor": (
        lambda: saved_bytes({**trained_state(), "extra.weight": torch.ones(3)}, val_accuracy=0.8),
        "it holds a tensor 'extra.weight' that a ConvNet does not have",
    ),
    "missing tensor": (
        lambda: saved_bytes(
            {k: v for k, v in trained_state().items() if k != "pipeline.0.bias"},
            val_accuracy=0.8,
        ),
        "it lacks the tensor 'pipeline.0.bias'",
    ),
    "wrong shape": (
        lambda: saved_bytes(
            {**trained_state(), "pipeline.0.weight": torch.ones(100, 1, 3, 3)}, val_accuracy=0.8
        ),
        "its tensor 'pipeline.0.weight' has shape (100, 1, 3, 3), not (",
    ),
    "wrong dtype": (
        lambda: saved_bytes({k: v.double() for k, v in trained_state().items()}, val_accuracy=0.8),
        "holds torch.float64, not torch.float32",
    ),
}


def torch_bytes(obj: object) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_damaged_file_is_refused_in_words_and_leaves_the_model_at_its_start(cache, case):
    make, problem = BAD_FILES[case]
    torch.manual_seed(0)
    model = ConvNet()
    start = {key: t.clone() for key, t in model.state_dict().items()}
    path = checkpoints.checkpoint_path(model, SETTINGS)
    path.parent.mkdir(parents=True)
    path.write_bytes(make())
    with pytest.raises(DamagedCheckpoint) as refused:
        load_checkpoint(model, SETTINGS)
    assert problem in str(refused.value)
    assert "weights_only" not in str(refused.value)
    for key, tensor in model.state_dict().items():
        assert torch.equal(tensor, start[key]), f"{key} was changed by a refused file"


def random_bytes(seed: int) -> bytes:
    return (
        torch.randint(0, 256, (300,), generator=torch.Generator().manual_seed(seed))
        .to(torch.uint8)
        .numpy()
        .tobytes()
    )


def test_any_random_bytes_are_refused_in_words(cache):
    # torch.load fails on them with UnpicklingError, KeyError, IndexError, UnicodeDecodeError...
    model = ConvNet()
    path = checkpoints.checkpoint_path(model, SETTINGS)
    path.parent.mkdir(parents=True)
    for seed in range(100):
        path.write_bytes(random_bytes(seed))
        with pytest.raises(DamagedCheckpoint, match="it is not a file that PyTorch saved"):
            load_checkpoint(model, SETTINGS)


def test_a_file_whose_unpickling_would_run_code_is_refused_without_running_it(cache, tmp_path):
    marker = tmp_path / "ran.txt"
    model = ConvNet()
    path = checkpoints.checkpoint_path(model, SETTINGS)
    path.parent.mkdir(parents=True)
    path.write_bytes(saved_bytes(trained_state(), val_accuracy=RunsCodeWhenUnpickled(marker)))
    with pytest.raises(DamagedCheckpoint, match="Python objects besides weights"):
        load_checkpoint(model, SETTINGS)
    assert not marker.exists()  # loaded with weights_only=True: no code ran
