import pytest
import torch
from torch import nn

import lecture_utils.checkpoints as checkpoints
from lecture_utils.data import DataSource
from lecture_utils.models import ConvNet, LogisticRegression, SmallConvNet

SETTINGS = {"epochs": 1, "lr": 0.01}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURE_CACHE", str(tmp_path))
    source = DataSource("synthetic", "train", 10, "synthetic-v1-seed0")
    monkeypatch.setattr(checkpoints, "data_source", lambda: source)
    return tmp_path


def test_a_saved_model_loads_back_with_its_weights_and_results(cache):
    torch.manual_seed(0)
    model = ConvNet()
    checkpoints.save_trained(model, SETTINGS, val_accuracy=0.9)
    path = checkpoints.checkpoint_path(model, SETTINGS)
    torch.manual_seed(1)
    other = ConvNet()
    assert checkpoints.load_trained(other, SETTINGS) == {"val_accuracy": 0.9}
    for a, b in zip(model.state_dict().values(), other.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


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
    checkpoints.save_trained(NotebookConvNet(), SETTINGS, val_accuracy=0.5)
    assert checkpoints.load_trained(ConvNet(), SETTINGS) == {"val_accuracy": 0.5}


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


def test_a_missing_or_damaged_checkpoint_is_not_loaded(cache, capsys):
    model = LogisticRegression()
    assert checkpoints.load_trained(model, SETTINGS) is None
    path = checkpoints.checkpoint_path(model, SETTINGS)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a checkpoint")
    assert checkpoints.load_trained(model, SETTINGS) is None
    assert "Ignoring an unusable saved LogisticRegression" in capsys.readouterr().out


def test_an_unusable_cache_folder_loses_the_checkpoint_but_not_the_lecture(
    tmp_path, monkeypatch, capsys
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LECTURE_CACHE", str(blocker))
    monkeypatch.setattr(
        checkpoints, "data_source", lambda: DataSource("synthetic", "train", 1, "s")
    )
    checkpoints.save_trained(LogisticRegression(), SETTINGS, val_accuracy=0.1)
    assert "LECTURE_CACHE" in capsys.readouterr().out
    assert checkpoints.load_trained(LogisticRegression(), SETTINGS) is None
    assert blocker.read_text() == "not a folder"


def test_checkpoints_need_loaded_data(monkeypatch):
    monkeypatch.setattr(checkpoints, "data_source", lambda: None)
    with pytest.raises(RuntimeError, match="load the data"):
        checkpoints.checkpoint_path(ConvNet(), SETTINGS)
