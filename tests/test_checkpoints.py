import pytest
import torch

import lecture_utils.checkpoints as checkpoints
from lecture_utils.data import DataSource
from lecture_utils.models import ConvNet, LogisticRegression


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURE_CACHE", str(tmp_path))
    source = DataSource("synthetic", "train", 10, "synthetic-v1-seed0")
    monkeypatch.setattr(checkpoints, "data_source", lambda: source)
    return tmp_path


def test_a_saved_model_loads_back_with_the_same_weights(cache):
    torch.manual_seed(0)
    model = ConvNet()
    path = checkpoints.checkpoint_path(model, epochs=1, lr=0.01)
    checkpoints.save_checkpoint(model, path)
    torch.manual_seed(1)
    other = ConvNet()
    assert checkpoints.load_checkpoint(other, path)
    for a, b in zip(model.state_dict().values(), other.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_the_path_changes_with_settings_model_and_data(cache, monkeypatch):
    model = ConvNet()
    base = checkpoints.checkpoint_path(model, epochs=1, lr=0.01)
    assert base == checkpoints.checkpoint_path(ConvNet(), lr=0.01, epochs=1)
    assert base != checkpoints.checkpoint_path(model, epochs=2, lr=0.01)
    assert (
        base.parent == checkpoints.checkpoint_path(LogisticRegression(), epochs=1, lr=0.01).parent
    )
    assert base != checkpoints.checkpoint_path(LogisticRegression(), epochs=1, lr=0.01)
    real = DataSource("cache", "train", 10, "sign-mnist-abc-def")
    monkeypatch.setattr(checkpoints, "data_source", lambda: real)
    assert base != checkpoints.checkpoint_path(model, epochs=1, lr=0.01)


def test_a_missing_or_damaged_checkpoint_is_not_loaded(cache, capsys):
    model = ConvNet()
    path = checkpoints.checkpoint_path(model)
    assert not checkpoints.load_checkpoint(model, path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a checkpoint")
    assert not checkpoints.load_checkpoint(model, path)
    assert "Ignoring the unusable checkpoint" in capsys.readouterr().out


def test_checkpoints_need_loaded_data(monkeypatch):
    monkeypatch.setattr(checkpoints, "data_source", lambda: None)
    with pytest.raises(RuntimeError, match="load the data"):
        checkpoints.checkpoint_path(ConvNet())
