import signal
import threading

import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lecture_utils.models import ConvNet, LogisticRegression, SmallConvNet
from lecture_utils.runlog import read_runs
from lecture_utils.training import (
    Evaluation,
    History,
    evaluate,
    lesson_evaluate,
    lesson_train_epoch,
    train,
    train_epoch,
)


def _random_data(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=generator), torch.randint(
        0, 26, (n,), generator=generator
    )


def _learnable_data(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Each of 4 letters lights up its own quadrant: a linear model can learn it in one epoch."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 4, (n,), generator=generator)
    X = 0.1 * torch.rand(n, 1, 28, 28, generator=generator)
    for label in range(4):
        rows, cols = divmod(label, 2)
        X[y == label, 0, rows * 14 : rows * 14 + 14, cols * 14 : cols * 14 + 14] += 0.9
    return X, y


def _naive_evaluation(model, X, y):
    confusion = torch.zeros(26, 26, dtype=torch.int64)
    total_loss = 0.0
    with torch.no_grad():
        for image, label in zip(X, y, strict=True):
            scores = model(image.unsqueeze(0))
            total_loss += F.cross_entropy(scores, label.unsqueeze(0)).item()
            confusion[label, scores.argmax()] += 1
    return confusion.diagonal().sum().item() / len(X), total_loss / len(X), confusion


@pytest.mark.parametrize("model_class", [LogisticRegression, SmallConvNet, ConvNet])
def test_evaluate_matches_a_naive_loop_over_single_images(model_class):
    torch.manual_seed(0)
    model = model_class()
    X, y = _random_data(70)
    accuracy, loss, confusion = _naive_evaluation(model, X, y)
    result = evaluate(model, X, y, batch_size=16)
    assert torch.equal(result.confusion, confusion)
    assert result.confusion.dtype == torch.int64 and result.confusion.shape == (26, 26)
    assert result.accuracy == pytest.approx(accuracy)
    assert result.loss == pytest.approx(loss, rel=1e-5)


def test_evaluate_does_not_depend_on_its_batch_size():
    torch.manual_seed(0)
    model = SmallConvNet()
    X, y = _random_data(50)
    one, other = evaluate(model, X, y, batch_size=7), evaluate(model, X, y, batch_size=1000)
    assert torch.equal(one.confusion, other.confusion)
    assert one.loss == pytest.approx(other.loss, rel=1e-6)


@pytest.mark.parametrize("training", [True, False])
def test_evaluate_restores_the_train_or_eval_mode_and_computes_no_gradients(training):
    model = ConvNet().train(training)
    evaluate(model, *_random_data(10))
    assert model.training is training
    assert all(parameter.grad is None for parameter in model.parameters())


def test_evaluate_puts_the_model_in_eval_mode_while_scoring():
    modes = []
    model = LogisticRegression()
    model.register_forward_hook(lambda module, args, output: modes.append(module.training))
    evaluate(model, *_random_data(10), batch_size=4)
    assert len(modes) >= 3 and not any(modes)  # the three batches (and a one-image check)


def test_evaluate_refuses_empty_or_mismatched_data():
    with pytest.raises(ValueError, match="as many labels as images"):
        evaluate(LogisticRegression(), torch.zeros(0, 1, 28, 28), torch.zeros(0, dtype=torch.int64))
    with pytest.raises(ValueError, match="as many labels as images"):
        evaluate(LogisticRegression(), torch.zeros(3, 1, 28, 28), torch.zeros(2, dtype=torch.int64))


def test_train_lowers_the_loss_on_a_learnable_problem():
    torch.manual_seed(0)
    model = LogisticRegression()
    train_data, val_data = _learnable_data(512), _learnable_data(128, seed=1)
    before = evaluate(model, *val_data)
    history = train(model, train_data, val_data, epochs=3, lr=0.05, seed=0, progress=False)
    assert len(history) == 3
    assert history.val_loss[-1] < 0.5 * before.loss
    assert history.val_loss[0] > history.val_loss[-1]
    assert history.val_accuracy[-1] > 0.95


def test_history_values_come_from_full_evaluation_passes():
    torch.manual_seed(0)
    model = SmallConvNet()
    train_data, val_data = _learnable_data(200), _learnable_data(60, seed=1)
    history = train(model, train_data, val_data, epochs=1, lr=0.01, seed=0, progress=False)
    on_train, on_val = evaluate(model, *train_data), evaluate(model, *val_data)
    assert history.train_loss == [pytest.approx(on_train.loss)]
    assert history.val_accuracy == [pytest.approx(on_val.accuracy)]


@pytest.mark.parametrize("batch_size", [1, 32, 100])
def test_train_honours_batch_size(batch_size):
    sizes = []
    model = LogisticRegression()
    model.register_forward_hook(
        lambda module, args, output: sizes.append(len(args[0])) if module.training else None
    )
    train(
        model,
        _random_data(250),
        _random_data(10),
        epochs=1,
        lr=0.01,
        batch_size=batch_size,
        progress=False,
    )
    expected = [batch_size] * (250 // batch_size) + ([250 % batch_size] if 250 % batch_size else [])
    assert sizes == expected


def test_same_seed_gives_the_same_weights():
    def run(seed):
        torch.manual_seed(0)
        model = SmallConvNet()
        train(
            model,
            _random_data(100),
            _random_data(10),
            epochs=1,
            lr=0.01,
            momentum=0.9,
            seed=seed,
            progress=False,
        )
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    assert torch.equal(run(1), run(1))
    assert not torch.equal(run(1), run(2))


def test_history_as_a_table_has_one_row_per_epoch():
    history = History(
        train_loss=[2.0, 1.0],
        val_loss=[2.5, 1.5],
        train_accuracy=[0.3, 0.6],
        val_accuracy=[0.2, 0.5],
    )
    frame = history.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == [1, 2] and frame.index.name == "epoch"
    assert list(frame.columns) == ["train_loss", "val_loss", "train_accuracy", "val_accuracy"]
    assert frame.loc[2, "val_accuracy"] == 0.5


class _InterruptAt(nn.Module):
    """A linear model that presses Ctrl-C (sends itself SIGINT) during its n-th training batch."""

    def __init__(self, batch: int) -> None:
        super().__init__()
        self.pipeline = nn.Sequential(nn.Flatten(), nn.Linear(784, 26))
        self.batch, self.calls = batch, 0

    def forward(self, x):
        if self.training:
            self.calls += 1
            if self.calls == self.batch:
                signal.raise_signal(signal.SIGINT)
        return self.pipeline(x)


def test_ctrl_c_stops_after_the_current_batch_and_keeps_the_history_so_far(capsys):
    model = _InterruptAt(batch=13)  # epoch 2 (10 batches of 10 per epoch), batch 3
    initial = model.pipeline[1].weight.detach().clone()
    history = train(
        model, _random_data(100), _random_data(20), epochs=5, lr=0.01, batch_size=10, progress=False
    )
    assert model.calls == 13  # the interrupted batch finished, no further batch ran
    assert history.interrupted and len(history) == 1
    assert not torch.equal(model.pipeline[1].weight, initial)  # what it learned is kept
    out = capsys.readouterr().out
    assert "Stopped in epoch 2 after batch 3 of 10" in out and "only partly trained" in out
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_after_a_stop_in_the_first_epoch_everything_still_runs(capsys):
    model = _InterruptAt(batch=2)
    history = train(
        model, _random_data(100), _random_data(20), epochs=3, lr=0.01, batch_size=10, progress=False
    )
    assert history.interrupted and len(history) == 0
    assert "only partly trained (0 of 3 epochs finished)" in capsys.readouterr().out
    assert history.to_frame().empty and len(history.running_loss) == 2  # two batches ran
    assert model.training  # left as training left it, ready for more
    assert evaluate(model, *_random_data(20)).confusion.sum() == 20
    again = train(model, _random_data(20), _random_data(5), epochs=1, lr=0.01, progress=False)
    assert not again.interrupted and len(again) == 1  # the stop was used up by the first run


def test_a_second_ctrl_c_stops_at_once():
    class DoubleInterrupt(_InterruptAt):
        def forward(self, x):
            if self.training and self.calls == 1:
                signal.raise_signal(signal.SIGINT)
            return super().forward(x)

    with pytest.raises(KeyboardInterrupt):
        train(
            DoubleInterrupt(batch=2),
            _random_data(50),
            _random_data(5),
            epochs=1,
            lr=0.01,
            batch_size=10,
            progress=False,
        )
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.cuda
def test_training_on_cuda_moves_cpu_data_to_the_model():
    torch.manual_seed(0)
    model = ConvNet().cuda()
    history = train(
        model,
        _learnable_data(256),
        _learnable_data(64, seed=1),
        epochs=2,
        lr=0.01,
        momentum=0.9,
        progress=False,
    )
    assert history.val_loss[-1] < history.val_loss[0]
    result = evaluate(model, *_learnable_data(64, seed=2))
    assert result.confusion.device.type == "cpu" and result.confusion.sum() == 64


def test_ctrl_c_in_the_last_batch_of_an_epoch_keeps_that_epoch_in_the_history(capsys):
    model = _InterruptAt(batch=10)  # the last of 10 batches in epoch 1
    history = train(
        model, _random_data(100), _random_data(20), epochs=3, lr=0.01, batch_size=10, progress=False
    )
    assert model.calls == 10
    assert history.interrupted and len(history) == 1
    assert "Stopped in epoch 1 after batch 10 of 10" in capsys.readouterr().out


def test_ctrl_c_in_the_very_last_batch_leaves_a_finished_training(capsys):
    history = train(
        _InterruptAt(batch=20),
        _random_data(100),
        _random_data(20),
        epochs=2,
        lr=0.01,
        batch_size=10,
        progress=False,
    )
    assert not history.interrupted and len(history) == 2
    assert "Stopped" not in capsys.readouterr().out


def test_training_outside_the_main_thread_works_where_signals_cannot_be_caught():
    histories = []
    worker = threading.Thread(
        target=lambda: histories.append(
            train(
                LogisticRegression(),
                _random_data(20),
                _random_data(5),
                epochs=1,
                lr=0.01,
                progress=False,
            )
        )
    )
    worker.start()
    worker.join()
    assert len(histories) == 1 and len(histories[0]) == 1


def test_train_epoch_alone_runs_one_step_per_shuffled_batch_and_reports_each():
    torch.manual_seed(0)
    model = LogisticRegression()
    X, y = _learnable_data(100)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    seen = []
    train_epoch(model, X, y, optimizer, batch_size=32, after_batch=lambda *a: seen.append(a))
    assert [len(labels) for _, _, labels in seen] == [32, 32, 32, 4]
    labels = torch.cat([labels for _, _, labels in seen])
    assert sorted(labels.tolist()) == sorted(y.tolist()) and not torch.equal(labels, y)
    assert evaluate(model, X, y).accuracy > 0.5  # four classes: chance is 25%


def test_train_logs_one_run_with_model_threads_time_and_accuracy(tmp_path, monkeypatch):
    log = tmp_path / "runs.jsonl"
    monkeypatch.setenv("LECTURE_RUN_LOG", str(log))
    monkeypatch.setenv("LECTURE_THREADS", "1")
    history = train(
        SmallConvNet(), _random_data(64), _random_data(8), epochs=2, lr=0.01, progress=False
    )
    (run,) = read_runs(log)
    assert run["model"] == "SmallConvNet" and run["threads"] == 1 and run["epochs"] == 2
    assert run["val_accuracy"] == history.val_accuracy[-1] and run["seconds"] > 0


def test_reading_a_run_log_that_was_never_written_gives_no_runs(tmp_path):
    assert read_runs(tmp_path / "missing.jsonl") == []


def test_train_runs_the_train_epoch_it_is_given_with_torchs_sgd():
    calls = []

    def my_train_epoch(model, X, y, optimizer, batch_size=32, after_batch=None):
        calls.append((len(X), batch_size, type(optimizer), optimizer.defaults))

    model = LogisticRegression()
    before = model.pipeline[1].weight.detach().clone()
    train(
        model,
        _random_data(50),
        _random_data(5),
        epochs=2,
        lr=0.05,
        momentum=0.5,
        batch_size=8,
        train_epoch=my_train_epoch,
        progress=False,
    )
    assert [call[:3] for call in calls] == [(50, 8, torch.optim.SGD)] * 2
    assert calls[0][3]["lr"] == 0.05 and calls[0][3]["momentum"] == 0.5
    assert torch.equal(model.pipeline[1].weight, before)  # this train_epoch changed nothing


def test_train_records_what_the_evaluate_it_is_given_returns():
    def my_evaluate(model, X, y, batch_size=1024):
        return Evaluation(accuracy=len(X) / 100, loss=1.5, confusion=torch.zeros(26, 26))

    history = train(
        LogisticRegression(),
        _random_data(50),
        _random_data(20),
        epochs=2,
        lr=0.01,
        evaluate=my_evaluate,
        progress=False,
    )
    assert history.train_accuracy == [0.5, 0.5] and history.val_accuracy == [0.2, 0.2]
    assert history.val_loss == [1.5, 1.5]


def test_by_default_train_runs_the_lessons_loop_with_sgd(monkeypatch):
    """Bit for bit what the lesson's cells do by hand, on one thread both ways."""
    monkeypatch.setenv("LECTURE_THREADS", "1")
    X, y = _learnable_data(100)
    torch.manual_seed(0)
    trained = SmallConvNet()
    train(trained, (X, y), (X, y), epochs=2, lr=0.05, momentum=0.9, seed=3, progress=False)
    torch.manual_seed(0)
    by_hand = SmallConvNet()
    optimizer = torch.optim.SGD(by_hand.parameters(), lr=0.05, momentum=0.9)
    caller = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(3)
            for _ in range(2):
                lesson_train_epoch(by_hand, X, y, optimizer)
    finally:
        torch.set_num_threads(caller)
    for ours, theirs in zip(trained.parameters(), by_hand.parameters(), strict=True):
        assert torch.equal(ours, theirs)


def test_the_public_evaluate_gives_what_the_lessons_gives():
    torch.manual_seed(0)
    model = SmallConvNet()
    X, y = _random_data(40)
    ours, lessons = evaluate(model, X, y, batch_size=16), lesson_evaluate(model, X, y, 16)
    assert torch.equal(ours.confusion, lessons.confusion)
    assert (ours.accuracy, ours.loss) == (lessons.accuracy, lessons.loss)


def test_a_seeded_run_leaves_the_callers_random_numbers_alone():
    model = LogisticRegression()
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    train(model, _random_data(20), _random_data(5), epochs=1, lr=0.01, seed=0, progress=False)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("model_class", [LogisticRegression, ConvNet])
def test_train_leaves_the_model_in_training_mode(model_class):
    model = model_class().eval()
    train(model, _random_data(8), _random_data(4), epochs=1, lr=0.01, progress=False)
    assert model.training


def test_the_lesson_loop_fits_in_twenty_lines_with_its_docstring():
    import inspect

    assert len(inspect.getsource(train_epoch).splitlines()) <= 20


def test_a_training_shown_with_its_bar_ends_with_a_line_that_reads_without_the_bar(capsys):
    """A stored notebook's progress bar reads 0% where widgets do not render (GitHub, a Colab
    page before it runs): one printed line says what the training reached."""
    torch.manual_seed(0)
    history = train(LogisticRegression(), _random_data(40), _random_data(10), epochs=2, lr=0.01)
    out = capsys.readouterr().out
    expected = (
        f"validation accuracy {history.val_accuracy[-1]:.1%}, loss {history.val_loss[-1]:.4f}."
    )
    assert out.endswith(f"LogisticRegression: trained for 2 epochs; {expected}\n"), out
    train(
        LogisticRegression(), _random_data(40), _random_data(10), epochs=1, lr=0.01, progress=False
    )
    assert capsys.readouterr().out == ""
