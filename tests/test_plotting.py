"""The lesson's figures show what their captions say: titles, legends, styles, footnote."""

import io
import warnings

import pandas as pd
import pytest
import torch
from conftest import SYNTHETIC_NOTE
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from lecture_utils.figures import lesson
from lecture_utils.kernels import KERNEL_NAMES, apply_kernels, line_kernels
from lecture_utils.models import LogisticRegression
from lecture_utils.training import History, train


def _table(rows: list[tuple[str, int, float | None]]) -> pd.DataFrame:
    """A table like `results_table()`'s: indexed by model, with parameters and val_accuracy."""
    table = pd.DataFrame(rows, columns=["model", "parameters", "val_accuracy"])
    return table.set_index("model")


def _texts(fig: Figure) -> list[str]:
    return [text.get_text() for text in fig.texts]


def _images(n: int = 25):
    return torch.rand(n, 1, 28, 28), torch.arange(n) % 24


def test_image_grid_titles_each_image_with_its_letter(real_data):
    X, y = _images()
    y[:3] = torch.tensor([0, 10, 24])
    fig = lesson.show_images(X, y, rows=5, cols=5)
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 25 and titles[:3] == ["A", "K", "Y"]
    assert _texts(fig) == []


def test_figures_of_synthetic_data_say_so(synthetic_data):
    X, y = _images()
    for fig in (
        lesson.show_images(X, y),
        lesson.plot_letter_frequencies(y),
        lesson.plot_confusion(torch.eye(26, dtype=torch.int64), title="C"),
        lesson.show_image(X[0], title="I"),
        lesson.plot_history(_history()),
        lesson.plot_model_comparison(_table([("M", 1, 0.5)])),
    ):
        assert SYNTHETIC_NOTE in _texts(fig)


def test_letter_frequencies_use_letter_ticks_and_a_percent_axis(real_data):
    y = torch.tensor([0] * 3 + [1] * 1)
    fig = lesson.plot_letter_frequencies(y)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert ax.yaxis.get_major_formatter()(0.75, 0).endswith("%")
    assert ax.collections[0].get_offsets()[:2, 1].tolist() == [0.75, 0.25]


def test_confusion_matrix_is_annotated_with_letter_ticks_and_titled(real_data):
    confusion = torch.zeros(26, 26, dtype=torch.int64)
    confusion[0, 0], confusion[0, 1], confusion[2, 2] = 3, 1, 4
    fig = lesson.plot_confusion(confusion, title="After 3 epochs")
    ax = fig.axes[0]
    assert ax.get_title() == "After 3 epochs"
    assert [t.get_text() for t in ax.get_yticklabels()][:3] == ["A", "B", "C"]
    assert ax.get_xlabel() == "Predicted letter" and ax.get_ylabel() == "True letter"
    cell_texts = [t.get_text() for t in ax.texts]
    assert len(cell_texts) == 26 * 26 and cell_texts[:2] == ["3", "1"]


def _history(epochs: int = 3, running: bool = True) -> History:
    history = History()
    for epoch in range(epochs):
        history.train_loss.append(2.0 - 0.5 * epoch)
        history.val_loss.append(2.1 - 0.3 * epoch)
        history.train_accuracy.append(0.2 * (epoch + 1))
        history.val_accuracy.append([0.2, 0.3, 1.0][epoch % 3])
    if running:  # ten points per epoch, at each tenth
        history.running_epochs = [step / 10 for step in range(1, 10 * epochs + 1)]
        history.running_loss = [3.0 - step / 20 for step in range(10 * epochs)]
        history.running_accuracy = [step / (10 * epochs) for step in range(10 * epochs)]
    return history


def _legend_labels(ax) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [text.get_text() for text in legend.get_texts()]


def test_history_plot_shows_training_and_validation_loss_and_accuracy(real_data):
    fig = lesson.plot_history(_history(running=False))
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "Cross-entropy loss" and acc_ax.get_title() == "Accuracy"
    assert list(loss_ax.get_lines()[1].get_ydata()) == [2.1, 1.8, 1.5]
    assert list(acc_ax.get_lines()[0].get_xdata()) == [1, 2, 3]
    for ax in fig.axes:
        assert _legend_labels(ax) == ["training", "validation"]


def test_training_and_validation_differ_in_style_and_validation_lets_training_show(real_data):
    """Close curves must not hide each other: validation is dashed with open squares, on top."""
    for history in (_history(epochs=3), _history(epochs=1)):
        for ax in lesson.plot_history(history).axes:
            training, validation = ax.get_lines()[-2:]
            assert (training.get_linestyle(), training.get_marker()) == ("-", "o")
            assert (validation.get_linestyle(), validation.get_marker()) == ("--", "s")
            assert training.get_color() != validation.get_color()
            assert validation.get_markerfacecolor() == "none"  # the training dot shows inside
            assert validation.get_zorder() > training.get_zorder()


def test_a_run_of_many_epochs_leaves_out_the_running_curve(real_data):
    fig = lesson.plot_history(_history(epochs=3))  # holds running points for every epoch
    for ax in fig.axes:
        assert [line.get_label() for line in ax.get_lines()] == ["training", "validation"]


def test_one_epoch_history_draws_the_running_curve_and_end_of_epoch_points(real_data):
    history = _history(epochs=1)
    fig = lesson.plot_history(history)
    for ax, metric in zip(fig.axes, ("loss", "accuracy"), strict=True):
        running, after_train, after_val = ax.get_lines()
        assert running.get_label() == lesson.RUNNING_LABEL
        assert list(running.get_xdata()) == history.running_epochs  # 0.1, 0.2, ..., 1.0
        assert list(running.get_ydata()) == getattr(history, f"running_{metric}")
        assert list(after_val.get_xdata()) == [1] and after_val.get_marker() == "s"
        assert ax.get_xlim()[0] == 0 and ax.get_xlim()[1] >= 1
        assert _legend_labels(ax) == [lesson.RUNNING_LABEL, "training", "validation"]


def test_a_history_stopped_in_its_first_epoch_still_plots(real_data):
    """Stop pressed in epoch 1 leaves only running points, or nothing at all."""
    running_only = History(
        running_epochs=[0.1, 0.2], running_loss=[3.2, 3.1], running_accuracy=[0.05, 0.1]
    )
    for history, labels in (
        (running_only, [lesson.RUNNING_LABEL, "training", "validation"]),
        (History(), ["training", "validation"]),
    ):
        fig = lesson.plot_history(history)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. "constrained_layout not applied"
            fig.savefig(io.BytesIO(), format="png")
        for ax in fig.axes:
            assert _legend_labels(ax) == labels and ax.get_xlim() == (0, 1.05)


def test_a_one_epoch_training_run_draws_a_curve_of_ten_points(real_data):
    torch.manual_seed(0)
    X, y = torch.rand(320, 1, 28, 28), torch.randint(0, 24, (320,))
    history = train(
        LogisticRegression(), (X, y), (X[:64], y[:64]), epochs=1, lr=0.1, progress=False
    )
    running, after_train, after_val = lesson.plot_history(history).axes[1].get_lines()
    assert len(running.get_xdata()) == 10 and running.get_xdata()[-1] == 1.0
    assert list(after_val.get_ydata()) == history.val_accuracy


def test_accuracy_of_0_and_100_percent_is_drawn_whole_not_cut_at_the_edge(real_data):
    history = _history(epochs=3)
    history.train_accuracy[0] = 0.0
    acc_ax = lesson.plot_history(history).axes[1]
    training, validation = acc_ax.get_lines()
    assert max(validation.get_ydata()) == 1.0 and min(training.get_ydata()) == 0.0
    bottom, top = acc_ax.get_ylim()
    assert bottom == 0 and top > 1.0
    assert not validation.get_clip_on() and not training.get_clip_on()
    assert acc_ax.get_yticks().max() == 1.0  # no tick at 104%


def test_model_comparison_shows_parameters_and_accuracy_per_model(real_data):
    table = _table(
        [
            ("LogisticRegression", 20410, 0.54),
            ("SmallConvNet", 60030, 0.72),
            ("ConvNet", 57676, 0.9),
        ]
    )
    param_ax, acc_ax = lesson.plot_model_comparison(table).axes
    # Bars run bottom to top, so the first row is drawn last (on top).
    assert [bar.get_width() for bar in param_ax.patches] == [57676, 60030, 20410]
    assert [bar.get_width() for bar in acc_ax.patches] == [0.9, 0.72, 0.54]
    assert [t.get_text() for t in param_ax.get_yticklabels()][-1] == "LogisticRegression"
    assert [t.get_text() for t in acc_ax.texts] == ["90.0%", "72.0%", "54.0%"]
    assert {bar.get_facecolor() for bar in acc_ax.patches} == {to_rgba("C1")}  # validation's


def test_model_comparison_reads_runs_missing_or_at_zero_as_results_table_gives_them(real_data):
    """A run not saved for this data has no accuracy (None): "not trained", not 0%."""
    table = _table(
        [
            ("LogisticRegression (02)", 20410, 0.4312),
            ("LogisticRegression (04)", 20410, None),
            ("SmallConvNet (04)", 60030, 0.0),
            ("ConvNet (05)", 72454, None),
        ]
    )
    param_ax, acc_ax = lesson.plot_model_comparison(table).axes
    assert [t.get_text() for t in param_ax.get_yticklabels()] == list(table.index[::-1])
    assert [t.get_text() for t in acc_ax.texts] == ["not trained", "0.0%", "not trained", "43.1%"]
    assert [bar.get_width() for bar in acc_ax.patches] == [0.0, 0.0, 0.0, 0.4312]
    nothing_saved = _table([("ConvNet (05)", 72454, None)])
    assert [t.get_text() for t in lesson.plot_model_comparison(nothing_saved).axes[1].texts] == [
        "not trained"
    ]


def test_kernels_share_one_colour_bar_symmetric_around_zero():
    fig = lesson.plot_kernels(line_kernels())
    *kernel_axes, colour_bar = fig.axes
    assert [ax.get_title() for ax in kernel_axes] == list(KERNEL_NAMES)
    for ax in kernel_axes:
        (image,) = ax.get_images()
        assert image.get_cmap().name == "RdBu_r" and image.get_clim() == (-4.0, 4.0)
    assert colour_bar.get_ylim() == (-4.0, 4.0)


def test_feature_map_plot_has_an_original_row_and_one_row_per_kernel(real_data):
    X, _ = _images(5)
    fig = lesson.plot_feature_maps(X, apply_kernels(X, line_kernels()))
    assert len(fig.axes) == 25
    assert [fig.axes[row * 5].get_ylabel() for row in range(5)] == ["Original", *KERNEL_NAMES]
    assert {ax.get_images()[0].get_cmap().name for ax in fig.axes} == {"gray"}


def test_figures_of_degenerate_but_valid_data_draw_without_error_or_warning(real_data):
    """A few hundred images, letters that never occur, a model at 0%, one epoch."""
    X, y = torch.rand(300, 1, 28, 28), torch.zeros(300, dtype=torch.int64)
    confusion = torch.zeros(26, 26, dtype=torch.int64)
    confusion[:, 1] = torch.bincount(y, minlength=26)  # every image predicted "B": 0%, empty rows
    warnings.simplefilter("error")  # pytest restores the filters after the test
    figures = [
        lesson.show_images(X[:3], y[:3]),  # fewer images than the grid holds
        lesson.plot_letter_frequencies(y),
        lesson.plot_confusion(confusion, title="0%"),
        lesson.plot_confusion(torch.zeros(26, 26, dtype=torch.int64), title="no predictions"),
        lesson.plot_history(_history(epochs=1, running=False)),
        lesson.plot_model_comparison(_table([("M", 10, 0.0)])),
        lesson.plot_kernels(torch.zeros(2, 5, 5), names=["a", "b"]),
        lesson.plot_feature_maps(X[:1], torch.zeros(1, 4, 24, 24)),
    ]
    for fig in figures:
        fig.savefig(io.BytesIO(), format="png")


@pytest.mark.cuda
def test_plots_accept_cuda_tensors(real_data):
    X, y = _images()
    fig = lesson.show_images(X.cuda(), y.cuda())
    assert torch.equal(torch.from_numpy(fig.axes[0].get_images()[0].get_array().data), X[0, 0])
    fig = lesson.plot_confusion(torch.eye(26, dtype=torch.int64).cuda(), title="on the GPU")
    assert [t.get_text() for t in fig.axes[0].texts][:2] == ["1", "0"]
