"""What `train` does around the lesson's loop: running curve, progress bar, NaN losses."""

import pytest
import torch
from torch import nn

from lecture_utils.models import LogisticRegression
from lecture_utils.monitor import TrainingDiverged
from lecture_utils.training import train


def _random_data(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=generator), torch.randint(
        0, 26, (n,), generator=generator
    )


def _labelled_in_pixel(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random images whose first pixel holds the label, so a test can read labels back."""
    X, y = _random_data(n, seed)
    X[:, 0, 0, 0] = y.float()
    return X, y


class _Recorder(nn.Module):
    """A linear model that keeps every training batch's images and scores."""

    def __init__(self) -> None:
        super().__init__()
        self.pipeline = nn.Sequential(nn.Flatten(), nn.Linear(784, 26))
        self.batches: list[tuple[torch.Tensor, torch.Tensor]] = []

    def forward(self, x):
        scores = self.pipeline(x)
        if self.training:
            self.batches.append((x[:, 0, 0, 0].round().long(), scores.detach().argmax(dim=1)))
        return scores


def test_running_curve_has_ten_points_per_epoch_from_the_training_batches(capsys):
    torch.manual_seed(0)
    model = _Recorder()
    history = train(
        model, _labelled_in_pixel(400), _random_data(20), epochs=2, lr=0.01, batch_size=10
    )
    assert history.running_epochs == pytest.approx([k / 10 for k in range(1, 21)])
    hits = [(labels == predicted).float() for labels, predicted in model.batches]
    tenths = [torch.cat(hits[k : k + 4]).mean().item() for k in range(0, 80, 4)]
    assert history.running_accuracy == pytest.approx(tenths)
    assert len(history.running_loss) == 20
    # The bar shows the accuracy over the last epoch so far: here, all of epoch 2.
    bar_accuracy = float(capsys.readouterr().err.rsplit("acc=", 1)[1].split("%")[0]) / 100
    assert bar_accuracy == pytest.approx(torch.cat(hits[40:]).mean().item(), abs=0.0005)


def test_one_epoch_of_few_batches_still_draws_a_point_per_batch():
    history = train(
        LogisticRegression(),
        _random_data(40),
        _random_data(5),
        epochs=1,
        lr=0.01,
        batch_size=10,
        progress=False,
    )
    assert history.running_epochs == [0.25, 0.5, 0.75, 1.0]


def test_finished_progress_bar_widget_holds_no_time_or_rate(monkeypatch):
    from tqdm.notebook import tqdm as widget_bar

    import lecture_utils.monitor as monitor

    bars = []
    monkeypatch.setattr(monitor, "tqdm", lambda **kw: bars.append(widget_bar(**kw)) or bars[-1])
    train(LogisticRegression(), _random_data(64), _random_data(8), epochs=1, lr=0.01, progress=True)
    left, _, right = (child.value for child in bars[0].container.children)
    assert "100%" in left and "epoch=1" in right and "acc=" in right
    assert not any(mark in left + right for mark in ("it/s", "s/it", "00:", "?"))


def test_an_ordinary_learning_rate_is_not_called_divergent():
    torch.manual_seed(0)
    history = train(
        LogisticRegression(), _random_data(640), _random_data(20), epochs=2, lr=0.5, progress=False
    )
    assert len(history) == 2


@pytest.mark.parametrize("lr", [float("inf"), float("nan"), 0.0, -0.1])
def test_a_learning_rate_that_is_not_finite_and_positive_is_refused_up_front(lr):
    with pytest.raises(ValueError, match="lr must be a finite number above 0") as error:
        train(LogisticRegression(), _random_data(10), _random_data(5), epochs=1, lr=lr)
    assert "try" not in str(error.value)


def test_a_loss_that_blows_up_names_epoch_and_batch_and_suggests_a_smaller_rate():
    class Explodes(nn.Module):
        def __init__(self):
            super().__init__()
            self.pipeline = nn.Sequential(nn.Flatten(), nn.Linear(784, 26))
            self.calls = 0

        def forward(self, x):
            self.calls += 1 if self.training else 0
            scores = self.pipeline(x)
            return scores * float("nan") if self.training and self.calls >= 7 else scores

    with pytest.raises(
        TrainingDiverged, match=r"epoch 2, batch 2\. .*lr=0\.5.*smaller one, e\.g\. lr=0\.05"
    ):
        train(
            Explodes(),
            _random_data(50),
            _random_data(5),
            epochs=3,
            lr=0.5,
            batch_size=10,
            progress=False,
        )


def test_progress_bar_shows_running_loss_in_a_terminal(capsys):
    train(LogisticRegression(), _random_data(64), _random_data(8), epochs=1, lr=0.01, progress=True)
    err = capsys.readouterr().err
    assert "LogisticRegression" in err and "loss=" in err and "acc=" in err


def test_progress_false_prints_nothing(capsys):
    train(
        LogisticRegression(), _random_data(64), _random_data(8), epochs=1, lr=0.01, progress=False
    )
    assert capsys.readouterr().err == ""
