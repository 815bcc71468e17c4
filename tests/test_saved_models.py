"""Saved models: keyed by architecture, data and settings; never saved when stopped; a cache
that cannot be written costs the checkpoint, not the lecture; loaded all or nothing and
safely; a missing run is trained in plain sight with its notebook's settings."""

import errno
import io
import os
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from lecture_utils import saved_models
from lecture_utils.data import DataError
from lecture_utils.data.dataset import VALID_LABELS
from lecture_utils.models import ConvNet, LogisticRegression, SmallConvNet
from lecture_utils.saved_models import checkpoint_path, results_table, save_trained, saved_model
from lecture_utils.settings import BASELINE_SETTINGS, CNN_SETTINGS, SEED
from lecture_utils.training import History

SETTINGS = CNN_SETTINGS  # ConvNet's saved run, notebook 05's
FINISHED = History()
CPU = torch.device("cpu")


def loaded(fingerprint: str) -> SimpleNamespace:
    """What `data_source()` says after a load of the data named `fingerprint`."""
    return SimpleNamespace(fingerprint=fingerprint)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURE_CACHE", str(tmp_path))
    monkeypatch.setattr(saved_models, "data_source", lambda: loaded("synthetic-v1-seed0"))
    return tmp_path


def files_in(folder: Path) -> list[str]:
    """The checkpoints and temporary files in `folder` (lock files are the cache's, kept)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def seeded(model_class):
    torch.manual_seed(SEED)
    return model_class()


def loaded_convnet() -> tuple[nn.Module, float] | None:
    """What a later notebook gets for the saved ConvNet, without data to train one."""
    return saved_model("ConvNet", CPU, None)


# Saving and loading one model.


def test_a_saved_model_loads_back_with_its_weights_and_accuracy(cache, capsys):
    torch.manual_seed(1)  # not the seed a loaded model starts from
    model = ConvNet()
    save_trained(model, SETTINGS, FINISHED, val_accuracy=np.float32(0.25))
    assert capsys.readouterr().out == "Saved the trained ConvNet for later notebooks.\n"
    other, accuracy = loaded_convnet()
    assert accuracy == 0.25 and type(accuracy) is float
    for a, b in zip(model.state_dict().values(), other.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    path = checkpoint_path(model, SETTINGS)
    assert files_in(path.parent) == [path.name]  # no temporary file left
    with pytest.raises(TypeError, match="accuracy"):
        save_trained(model, SETTINGS, FINISHED, accuracy=0.25)


class NotebookConvNet(nn.Module):
    """What a notebook cell defines: the package's layers under the same class name."""

    def __init__(self) -> None:
        super().__init__()
        self.pipeline = ConvNet().pipeline

    def forward(self, x):
        return self.pipeline(x)


NotebookConvNet.__name__ = NotebookConvNet.__qualname__ = "ConvNet"


def test_weights_saved_from_a_notebooks_class_load_into_the_packages(cache):
    save_trained(NotebookConvNet(), SETTINGS, FINISHED, val_accuracy=0.5)
    assert loaded_convnet()[1] == 0.5


def test_the_key_changes_with_settings_architecture_and_data(cache, monkeypatch):
    base = checkpoint_path(ConvNet(), SETTINGS)
    assert base == checkpoint_path(ConvNet(), dict(reversed(SETTINGS.items())))  # order aside
    assert base != checkpoint_path(ConvNet(), {**SETTINGS, "epochs": 2})
    wider = ConvNet()
    wider.pipeline[0] = nn.Conv2d(1, 100, 3)  # same class, other architecture
    assert base != checkpoint_path(wider, SETTINGS)
    assert checkpoint_path(SmallConvNet(), SETTINGS).name.startswith("SmallConvNet-")
    monkeypatch.setattr(saved_models, "data_source", lambda: loaded("sign-mnist-abc-def"))
    assert base != checkpoint_path(ConvNet(), SETTINGS)


def test_a_stopped_training_is_never_saved_as_the_trained_model(cache, capsys):
    save_trained(ConvNet(), SETTINGS, History(interrupted=True), val_accuracy=0.04)
    assert capsys.readouterr().out == (
        "Training was stopped, so this ConvNet is not saved as the trained one: "
        "later notebooks will train their own.\n"
    )
    assert files_in(cache / "checkpoints") == []
    assert loaded_convnet() is None


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (
            RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 662"),
            "the file was cut short; the disk may be full",
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
    assert capsys.readouterr().out == (
        f"Could not save the trained ConvNet in {cache / 'checkpoints'} ({why}), so later "
        "notebooks will train their own; to keep it, free some disk space or point "
        "LECTURE_CACHE at a folder you can write to.\n"
    )
    assert files_in(cache / "checkpoints") == []  # nothing half-written left behind
    assert loaded_convnet() is None


def test_an_unusable_cache_folder_loses_the_checkpoint_but_not_the_lecture(
    cache, tmp_path, monkeypatch, capsys
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LECTURE_CACHE", str(blocker))
    save_trained(LogisticRegression(), SETTINGS, FINISHED, val_accuracy=0.1)
    out = capsys.readouterr().out
    assert out.startswith("Could not save the trained LogisticRegression in ")
    assert "(not a directory)" in out and "LECTURE_CACHE" in out and out.count("\n") == 1
    assert saved_model("LogisticRegression", CPU, None, SETTINGS) is None
    assert blocker.read_text() == "not a folder"


def test_without_any_cache_folder_models_are_neither_saved_nor_loaded(cache, monkeypatch, capsys):
    def no_home():
        raise DataError("there is no home folder to keep the data cache in: set LECTURE_CACHE")

    monkeypatch.setattr(saved_models, "cache_dir", no_home)
    save_trained(ConvNet(), SETTINGS, FINISHED, val_accuracy=0.9)
    assert capsys.readouterr().out == (
        "Could not save the trained ConvNet in the cache folder (there is no home folder to keep "
        "the data cache in: set LECTURE_CACHE), so later notebooks will train their own; to keep "
        "it, free some disk space or point LECTURE_CACHE at a folder you can write to.\n"
    )
    assert loaded_convnet() is None


def test_a_killed_writers_temporary_files_are_swept_on_the_next_save(cache):
    path = checkpoint_path(ConvNet(), SETTINGS)
    path.parent.mkdir(parents=True)
    (path.parent / f".{path.name}.k1ll3d.tmp").write_bytes(b"PK\x03\x04 half")
    save_trained(ConvNet(), SETTINGS, FINISHED, val_accuracy=0.9)
    assert files_in(path.parent) == [path.name]


def test_saved_models_need_loaded_data(monkeypatch):
    monkeypatch.setattr(saved_models, "data_source", lambda: None)
    with pytest.raises(RuntimeError, match="load the data"):
        loaded_convnet()
    with pytest.raises(RuntimeError, match="load the data"):
        save_trained(ConvNet(), SETTINGS, FINISHED, val_accuracy=0.5)


def tiny_data(n: int = 64) -> tuple:
    generator = torch.Generator().manual_seed(0)
    labels = torch.tensor(sorted(VALID_LABELS))
    return (torch.rand(n, 1, 28, 28, generator=generator), labels[torch.arange(n) % len(labels)])


DATA = (tiny_data(), tiny_data())


@pytest.fixture
def calls(monkeypatch):
    """Replace training by a fake that records its calls (the real one is tested elsewhere)."""
    made = []

    def fake_train(model, train_data, val_data, **kwargs):
        made.append(kwargs)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
        return History()

    monkeypatch.setattr(saved_models, "train", fake_train)
    return made


# Damaged files: each is refused in one sentence, before any weight is copied.


def torch_bytes(obj: object) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def trained_state(**changes: torch.Tensor) -> dict:
    """Weights that differ from the seeded start everywhere (so a copied one shows), changed."""
    state = {key: torch.full_like(t, 7.0) for key, t in ConvNet().state_dict().items()}
    return {**state, **changes}


def random_bytes(seed: int) -> bytes:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (300,), generator=generator).to(torch.uint8).numpy().tobytes()


class RunsCodeWhenUnpickled:
    """A pickled object that writes a file if unpickling ever runs its code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code from a cache file ran"))


GOOD = {"state": trained_state(), "val_accuracy": 0.8}
DOES_NOT_FIT = "it does not fit this ConvNet"
NOT_TORCH = "it is damaged or not a file that PyTorch saved"
BAD_FILES = {
    "empty": (lambda: b"", "it is empty"),
    "text": (lambda: b"not a checkpoint", NOT_TORCH),
    "truncated": (lambda: torch_bytes(GOOD)[:2000], NOT_TORCH),
    "no accuracy": (lambda: torch_bytes({"state": trained_state()}), DOES_NOT_FIT),
    "no weights": (lambda: torch_bytes({"val_accuracy": 0.8}), DOES_NOT_FIT),
    "a list": (lambda: torch_bytes([1, 2]), DOES_NOT_FIT),
    "accuracy a tensor": (
        lambda: torch_bytes({**GOOD, "val_accuracy": torch.tensor(0.8)}),
        DOES_NOT_FIT,
    ),
    "accuracy above 1": (lambda: torch_bytes({**GOOD, "val_accuracy": 80.0}), DOES_NOT_FIT),
    "extra tensor": (
        lambda: torch_bytes({**GOOD, "state": trained_state(**{"extra.weight": torch.ones(3)})}),
        DOES_NOT_FIT,
    ),
    "missing tensor": (
        lambda: torch_bytes(
            {**GOOD, "state": {k: v for k, v in trained_state().items() if k != "pipeline.0.bias"}}
        ),
        DOES_NOT_FIT,
    ),
    "wrong shape": (
        lambda: torch_bytes(
            {**GOOD, "state": trained_state(**{"pipeline.0.weight": torch.ones(100, 1, 3, 3)})}
        ),
        DOES_NOT_FIT,
    ),
    "wrong dtype": (
        lambda: torch_bytes({**GOOD, "state": {k: v.double() for k, v in trained_state().items()}}),
        DOES_NOT_FIT,
    ),
}


def write_checkpoint(content: bytes) -> Path:
    path = checkpoint_path(ConvNet(), SETTINGS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def refusal(path: Path, problem: str) -> str:
    return f"The saved ConvNet in {path.parent} cannot be used ({problem})"


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_damaged_file_is_refused_in_one_sentence_and_no_weight_of_it_is_used(
    cache, calls, capsys, case
):
    make, problem = BAD_FILES[case]
    path = write_checkpoint(make())
    model, _ = saved_model("ConvNet", CPU, DATA)
    assert capsys.readouterr().out.startswith(refusal(path, problem) + ": ignoring it")
    start = seeded(ConvNet)  # the fake training adds 1 to every weight of what it is given
    for key, tensor in model.state_dict().items():
        assert torch.equal(tensor, start.state_dict()[key] + 1.0), f"{key} came from a refused file"


def test_the_good_file_of_the_damaged_file_cases_loads(cache):
    write_checkpoint(torch_bytes(GOOD))
    model, accuracy = loaded_convnet()
    assert accuracy == 0.8
    assert torch.equal(model.pipeline[0].bias, torch.full_like(model.pipeline[0].bias, 7.0))


def test_any_random_bytes_are_refused_in_words(cache, capsys):
    for seed in range(100):
        path = write_checkpoint(random_bytes(seed))
        assert loaded_convnet() is None
        assert capsys.readouterr().out.startswith(refusal(path, NOT_TORCH))


def test_a_file_whose_unpickling_would_run_code_is_refused_without_running_it(
    cache, tmp_path, capsys
):
    marker = tmp_path / "ran.txt"
    write_checkpoint(torch_bytes({**GOOD, "val_accuracy": RunsCodeWhenUnpickled(marker)}))
    assert loaded_convnet() is None
    assert NOT_TORCH in capsys.readouterr().out
    assert not marker.exists()  # loaded with weights_only=True: no code ran


# The lecture's saved runs.


def clock(monkeypatch, *times: float) -> None:
    ticks = iter(times)
    monkeypatch.setattr(saved_models, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))


def test_a_saved_run_is_loaded_without_training(cache, calls, capsys):
    trained = seeded(ConvNet)
    with torch.no_grad():
        trained.pipeline[0].weight.fill_(0.5)
    save_trained(trained, CNN_SETTINGS, History(), val_accuracy=0.75)
    capsys.readouterr()
    model, accuracy = saved_model("ConvNet", CPU, DATA)
    assert accuracy == 0.75 and calls == []
    assert torch.equal(model.pipeline[0].weight, trained.pipeline[0].weight)
    assert capsys.readouterr().out == ""


def test_a_missing_run_is_trained_visibly_saying_so_and_its_cost_then_saved(
    cache, calls, monkeypatch, capsys
):
    clock(monkeypatch, 100.0, 112.34)
    model, accuracy = saved_model("LogisticRegression", CPU, DATA, CNN_SETTINGS)
    assert capsys.readouterr().out.splitlines() == [
        "No saved LogisticRegression from notebook 04 for this data: training it now with "
        "notebook 04's settings (epochs=1, lr=0.01, momentum=0.9, batch_size=32, seed=0).",
        f"The LogisticRegression trained in 12.3 s (validation accuracy {accuracy:.1%}).",
        "Saved the trained LogisticRegression for later notebooks.",
    ]
    assert 0.0 <= accuracy <= 1.0
    again, same = saved_model("LogisticRegression", CPU, None, CNN_SETTINGS)
    assert same == accuracy
    assert torch.equal(again.pipeline[1].weight, model.pipeline[1].weight)
    assert saved_model("LogisticRegression", CPU, None) is None  # 02's is another run


def test_training_a_missing_run_shows_a_progress_bar_and_uses_its_notebooks_settings(cache, calls):
    saved_model("SmallConvNet", CPU, DATA)
    saved_model("LogisticRegression", CPU, DATA)
    assert calls == [CNN_SETTINGS, BASELINE_SETTINGS]  # and no progress=False: a bar shows


def test_without_data_a_missing_run_names_the_notebook_to_run(cache, calls, capsys):
    assert saved_model("ConvNet", CPU, None) is None
    assert capsys.readouterr().out == (
        "No saved ConvNet from notebook 05 for this data: run notebook 05 to save it and "
        "compare with it here.\n"
    )
    assert calls == []


def test_a_stopped_training_is_returned_as_it_is_but_never_saved(cache, monkeypatch, capsys):
    monkeypatch.setattr(saved_models, "train", lambda *args, **kwargs: History(interrupted=True))
    clock(monkeypatch, 10.0, 12.0)
    model, accuracy = saved_model("SmallConvNet", CPU, DATA)
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"The SmallConvNet was stopped after 2.0 s (validation accuracy {accuracy:.1%}).",
        "Training was stopped, so this SmallConvNet is not saved as the trained one: "
        "later notebooks will train their own.",
    ]
    assert isinstance(model, SmallConvNet)
    assert saved_model("SmallConvNet", CPU, None) is None


def test_a_damaged_run_is_replaced_saying_so_with_its_notebooks_settings(cache, calls, capsys):
    path = write_checkpoint(b"")
    saved_model("ConvNet", CPU, DATA)
    assert capsys.readouterr().out.splitlines()[0] == (
        f"The saved ConvNet in {path.parent} cannot be used (it is empty): ignoring it and "
        "training a new one with notebook 05's settings "
        "(epochs=1, lr=0.01, momentum=0.9, batch_size=32, seed=0)."
    )


def test_an_unknown_run_is_refused_with_the_list_of_saved_runs(cache):
    with pytest.raises(ValueError, match=re.escape("ConvNet (notebook 05)")):
        saved_model("ConvNet", CPU, None, BASELINE_SETTINGS)


def test_results_table_has_one_row_per_saved_run(cache, capsys):
    save_trained(seeded(SmallConvNet), CNN_SETTINGS, History(), val_accuracy=0.6123)
    path = checkpoint_path(LogisticRegression(), BASELINE_SETTINGS)
    path.write_bytes(b"not a checkpoint")
    capsys.readouterr()
    table = results_table(CPU)
    assert table.index.name == "model"
    assert list(table.index) == [
        "LogisticRegression (02)",
        "LogisticRegression (04)",
        "SmallConvNet (04)",
        "ConvNet (05)",
    ]
    assert list(table.columns) == [
        "notebook",
        "parameters",
        "epochs",
        "lr",
        "momentum",
        "val_accuracy",
    ]
    assert list(table["notebook"]) == ["02", "04", "04", "05"]
    assert list(table["epochs"]) == [30, 1, 1, 1]
    assert table.loc["SmallConvNet (04)", "val_accuracy"] == 0.612
    assert table["val_accuracy"].drop("SmallConvNet (04)").isna().all()
    assert table.loc["ConvNet (05)", "parameters"] == sum(p.numel() for p in ConvNet().parameters())
    assert capsys.readouterr().out.splitlines() == [
        f"The saved LogisticRegression in {path.parent} cannot be used (it is damaged or not a "
        "file that PyTorch saved): run notebook 02 to save it and compare with it here.",
        "No saved LogisticRegression from notebook 04 for this data: run notebook 04 to save it "
        "and compare with it here.",
        "No saved ConvNet from notebook 05 for this data: run notebook 05 to save it and "
        "compare with it here.",
    ]


def test_saved_models_train_for_real_on_tiny_data(cache, capsys):
    """One real training, end to end, with the decided `train` call."""
    model, accuracy = saved_model("SmallConvNet", CPU, DATA)
    assert isinstance(accuracy, float)
    assert saved_model("SmallConvNet", CPU, None)[1] == accuracy
