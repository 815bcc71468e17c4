import pytest
import torch
from matplotlib.figure import Figure

import lecture_utils.data
from lecture_utils import plotting
from lecture_utils.kernels import KERNEL_NAMES, apply_kernels, line_kernels
from lecture_utils.models import ConvNet
from lecture_utils.training import History

SYNTHETIC_NOTE = "Synthetic stand-in data, not real Sign Language MNIST photographs"


@pytest.fixture
def real_data(monkeypatch):
    monkeypatch.setattr(lecture_utils.data, "source_note", lambda: "")


@pytest.fixture
def synthetic_data(monkeypatch):
    monkeypatch.setattr(lecture_utils.data, "source_note", lambda: SYNTHETIC_NOTE)


def _texts(fig: Figure) -> list[str]:
    return [text.get_text() for text in fig.texts]


def _images(n: int = 25):
    return torch.rand(n, 1, 28, 28), torch.arange(n) % 24


def test_image_grid_titles_each_image_with_its_letter(real_data):
    X, y = _images()
    y[:3] = torch.tensor([0, 10, 24])
    fig = plotting.show_images(X, y, rows=5, cols=5)
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 25 and titles[:3] == ["A", "K", "Y"]
    assert _texts(fig) == []


def test_figures_of_synthetic_data_say_so(synthetic_data):
    X, y = _images()
    for fig in (
        plotting.show_images(X, y),
        plotting.plot_letter_frequencies(y),
        plotting.plot_confusion(torch.eye(26, dtype=torch.int64)),
        plotting.show_image(X[0]),
    ):
        assert SYNTHETIC_NOTE in _texts(fig)


def test_letter_frequencies_use_letter_ticks_and_a_percent_axis(real_data):
    y = torch.tensor([0] * 3 + [1] * 1)
    fig = plotting.plot_letter_frequencies(y)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert ax.yaxis.get_major_formatter()(0.75, 0).endswith("%")
    assert ax.collections[0].get_offsets()[:2, 1].tolist() == [0.75, 0.25]


def test_confusion_matrix_is_annotated_with_letter_ticks_and_accuracy_title(real_data):
    confusion = torch.zeros(26, 26, dtype=torch.int64)
    confusion[0, 0], confusion[0, 1], confusion[2, 2] = 3, 1, 4
    fig = plotting.plot_confusion(confusion)
    ax = fig.axes[0]
    assert ax.get_title() == "Confusion matrix (accuracy 87.5%)"
    assert [t.get_text() for t in ax.get_yticklabels()][:3] == ["A", "B", "C"]
    assert ax.get_xlabel() == "Predicted letter" and ax.get_ylabel() == "True letter"
    cell_texts = [t.get_text() for t in ax.texts]
    assert len(cell_texts) == 26 * 26 and cell_texts[:2] == ["3", "1"]


def test_history_plot_shows_training_and_validation_loss_and_accuracy(real_data):
    history = History([2.0, 1.5, 1.0], [2.1, 1.8, 1.6], [0.2, 0.4, 0.6], [0.2, 0.3, 0.4])
    fig = plotting.plot_history(history)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "Cross-entropy loss" and acc_ax.get_title() == "Accuracy"
    assert [line.get_label() for line in acc_ax.get_lines()] == ["Training", "Validation"]
    assert list(loss_ax.get_lines()[1].get_ydata()) == [2.1, 1.8, 1.6]
    assert acc_ax.get_ylim() == (0, 1)


def test_kernel_plot_names_each_kernel():
    fig = plotting.plot_kernels(line_kernels())
    assert [ax.get_title() for ax in fig.axes] == list(KERNEL_NAMES)


def test_feature_map_plot_has_an_original_row_and_one_row_per_kernel(real_data):
    X, _ = _images(5)
    fig = plotting.plot_feature_maps(X, apply_kernels(X, line_kernels()))
    assert len(fig.axes) == 25
    assert [fig.axes[row * 5].get_ylabel() for row in range(5)] == ["Original", *KERNEL_NAMES]


def test_layer_features_show_the_chosen_layers_of_the_pipeline(real_data):
    model = ConvNet()
    fig = plotting.plot_layer_features(
        model, torch.rand(1, 28, 28), layers=(0, 1, 3, 4), channels=(0, 1, 2)
    )
    titles = [ax.get_title() for ax in fig.axes[:4]]
    assert titles == [
        "Layer 0: Conv2d",
        "Layer 1: MaxPool2d",
        "Layer 3: Conv2d",
        "Layer 4: MaxPool2d",
    ]
    assert fig.axes[5].get_images()[0].get_array().shape == (12, 12)  # channel 1 after max-pooling


def test_layer_outputs_follow_the_pipeline_and_keep_the_training_mode():
    model = ConvNet().train()
    shapes = [
        tuple(output.shape) for output in plotting.layer_outputs(model, torch.rand(1, 28, 28))
    ]
    assert shapes[0] == (100, 24, 24) and shapes[4] == (50, 5, 5) and shapes[-1] == (26,)
    assert model.training


@pytest.mark.cuda
def test_plots_accept_cuda_tensors(real_data):
    X, y = _images()
    plotting.show_images(X.cuda(), y.cuda())
    plotting.plot_confusion(torch.eye(26, dtype=torch.int64).cuda())
    plotting.plot_layer_features(ConvNet().cuda(), X[0].cuda())
