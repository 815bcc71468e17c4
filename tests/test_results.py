import re
from types import SimpleNamespace

import pytest
import torch

import lecture_utils.checkpoints as checkpoints
import lecture_utils.results as results
from lecture_utils.checkpoints import checkpoint_path, save_trained
from lecture_utils.data import VALID_LABELS, DataSource
from lecture_utils.models import ConvNet, LogisticRegression, SmallConvNet
from lecture_utils.settings import BASELINE_SETTINGS, CNN_SETTINGS, SEED
from lecture_utils.training import History

CPU = torch.device("cpu")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURE_CACHE", str(tmp_path))
    monkeypatch.delenv("LECTURE_CHECK_CLAIMS", raising=False)  # not the test run
    source = DataSource("synthetic", "train", 64, "synthetic-v1-seed0")
    monkeypatch.setattr(checkpoints, "data_source", lambda: source)
    return tmp_path


def tiny_data(n: int = 64) -> tuple:
    generator = torch.Generator().manual_seed(0)
    labels = torch.tensor(sorted(VALID_LABELS))
    y = labels[torch.arange(n) % len(labels)]
    return (torch.rand(n, 1, 28, 28, generator=generator), y)


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

    monkeypatch.setattr(results, "train", fake_train)
    return made


def seeded(model_class):
    torch.manual_seed(SEED)
    return model_class()


def test_a_saved_run_is_loaded_without_training(cache, calls, capsys):
    trained = seeded(ConvNet)
    with torch.no_grad():
        trained.pipeline[0].weight.fill_(0.5)
    save_trained(trained, CNN_SETTINGS, History(), val_accuracy=0.75)
    capsys.readouterr()
    model, accuracy = results.saved_model("ConvNet", CPU, DATA)
    assert accuracy == 0.75 and calls == []
    assert torch.equal(model.pipeline[0].weight, trained.pipeline[0].weight)
    assert capsys.readouterr().out == ""


def test_a_missing_run_is_trained_visibly_saying_so_and_its_cost_then_saved(
    cache, calls, monkeypatch, capsys
):
    times = iter([100.0, 112.34])
    monkeypatch.setattr(results, "time", SimpleNamespace(perf_counter=lambda: next(times)))
    model, accuracy = results.saved_model("LogisticRegression", CPU, DATA, CNN_SETTINGS)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "No saved LogisticRegression from notebook 04 for this data: training it now with "
        "notebook 04's settings (epochs=1, lr=0.01, momentum=0.9, batch_size=32, seed=0).",
        f"The LogisticRegression trained in 12.3 s (validation accuracy {accuracy:.1%}).",
        "Saved the trained LogisticRegression for later notebooks.",
    ]
    assert 0.0 <= accuracy <= 1.0
    again, same = results.saved_model("LogisticRegression", CPU, None, CNN_SETTINGS)
    assert same == accuracy
    assert torch.equal(again.pipeline[1].weight, model.pipeline[1].weight)
    assert results.saved_model("LogisticRegression", CPU, None) is None  # 02's is another run


def test_training_a_missing_run_shows_a_progress_bar_and_uses_its_notebooks_settings(cache, calls):
    results.saved_model("SmallConvNet", CPU, DATA)
    results.saved_model("LogisticRegression", CPU, DATA)
    assert calls == [CNN_SETTINGS, BASELINE_SETTINGS]  # and no progress=False: a bar shows


def test_without_data_a_missing_run_names_the_notebook_to_run(cache, calls, capsys):
    assert results.saved_model("ConvNet", CPU, None) is None
    assert capsys.readouterr().out == (
        "No saved ConvNet from notebook 05 for this data: run notebook 05 to save it and "
        "compare with it here.\n"
    )
    assert calls == []


def test_a_stopped_training_is_returned_as_it_is_but_never_saved(cache, monkeypatch, capsys):
    def stopped(model, train_data, val_data, **kwargs):
        return History(interrupted=True)

    monkeypatch.setattr(results, "train", stopped)
    times = iter([10.0, 12.0])
    monkeypatch.setattr(results, "time", SimpleNamespace(perf_counter=lambda: next(times)))
    model, accuracy = results.saved_model("SmallConvNet", CPU, DATA)
    assert capsys.readouterr().out.splitlines()[1:] == [
        "Training was stopped, so this SmallConvNet is not saved, and what follows uses it as "
        f"it is, after 2.0 s (validation accuracy {accuracy:.1%})."
    ]
    assert results.saved_model("SmallConvNet", CPU, None) is None


def test_a_damaged_run_is_replaced_in_one_sentence_from_the_seeded_start(cache, calls, capsys):
    path = checkpoint_path(ConvNet(), CNN_SETTINGS)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    model, _ = results.saved_model("ConvNet", CPU, DATA)
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        f"The saved ConvNet in {path.parent} cannot be used (it is empty): ignoring it and "
        "training a new one with notebook 05's settings "
        "(epochs=1, lr=0.01, momentum=0.9, batch_size=32, seed=0)."
    )
    start = seeded(ConvNet)  # the fake training adds 1 to every weight of what it is given
    for key, tensor in model.state_dict().items():
        assert torch.equal(tensor, start.state_dict()[key] + 1.0), key


def test_an_unknown_run_is_refused_with_the_list_of_saved_runs(cache):
    with pytest.raises(ValueError, match=re.escape("ConvNet (notebook 05)")):
        results.saved_model("ConvNet", CPU, None, BASELINE_SETTINGS)


def test_results_table_has_one_row_per_saved_run(cache, capsys):
    save_trained(seeded(SmallConvNet), CNN_SETTINGS, History(), val_accuracy=0.6123)
    path = checkpoint_path(LogisticRegression(), BASELINE_SETTINGS)
    path.write_bytes(b"not a checkpoint")
    capsys.readouterr()
    table = results.results_table(CPU)
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
    missing = table["val_accuracy"].drop("SmallConvNet (04)")
    assert missing.isna().all()
    assert table.loc["ConvNet (05)", "parameters"] == sum(p.numel() for p in ConvNet().parameters())
    assert capsys.readouterr().out == (
        f"The saved LogisticRegression in {path.parent} cannot be used (it is not a file that "
        "PyTorch saved): run notebook 02 again to save a new one.\n"
    )


def test_saved_models_train_for_real_on_tiny_data(cache, capsys):
    """One real training, end to end, with the decided `train` call."""
    model, accuracy = results.saved_model("SmallConvNet", CPU, DATA)
    assert isinstance(accuracy, float)
    assert results.saved_model("SmallConvNet", CPU, None)[1] == accuracy
