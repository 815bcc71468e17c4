"""The figures that look inside the networks show what they say they show."""

import io
import warnings

import numpy as np
import pytest
import torch
from conftest import SYNTHETIC_NOTE
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from lecture_utils import analysis
from lecture_utils.figures import networks
from lecture_utils.kernels import KERNEL_NAMES, apply_kernels, line_kernels
from lecture_utils.models import ConvNet, SmallConvNet


def _shown(ax) -> np.ndarray:
    return np.asarray(ax.get_images()[0].get_array())


def _convnet() -> ConvNet:
    torch.manual_seed(0)
    return ConvNet()


def test_layer_features_name_the_layer_and_channel_of_every_panel(real_data):
    fig = networks.plot_layer_features(
        _convnet(), torch.rand(1, 28, 28), layers=(0, 1, 3, 4), channels=(0, 1, 2)
    )
    titles = [ax.get_title() for ax in fig.axes[:4]]
    assert titles == [
        "Layer 0: Conv2d\n100 channels",
        "Layer 1: MaxPool2d\n100 channels",
        "Layer 3: Conv2d\n50 channels",
        "Layer 4: MaxPool2d\n50 channels",
    ]
    # Row-major: the second row starts at axes[4]; its third panel is channel 1 of layer 3.
    assert fig.axes[6].get_xlabel() == "layer 3, channel 1"
    assert all(ax.get_ylabel() == "" for ax in fig.axes)  # no row label claims one feature
    assert _shown(fig.axes[5]).shape == (12, 12)  # channel 1 after max-pooling
    assert {ax.get_images()[0].get_cmap().name for ax in fig.axes} == {"gray"}


def test_kernel_comparison_shows_each_kernel_and_its_feature_map(real_data):
    torch.manual_seed(0)
    image = torch.rand(1, 28, 28)
    learned = SmallConvNet().pipeline[0].weight  # (4, 1, 5, 5), as stored by Conv2d
    fig = networks.plot_kernel_comparison(
        image,
        {"Hand-made": line_kernels(), "Learned": learned},
        labels={"Hand-made": KERNEL_NAMES},
    )
    *panels, hand_made_bar, learned_bar = fig.axes  # one colour bar per row of kernels
    axes = np.array(panels).reshape(5, 4)
    assert [ax.get_title() for ax in axes[1]] == list(KERNEL_NAMES)
    assert [ax.get_title() for ax in axes[3]] == ["#0", "#1", "#2", "#3"]
    assert axes[3, 0].get_ylabel() == "Learned\n(kernels)"
    for col in range(4):
        assert np.array_equal(_shown(axes[1, col]), line_kernels()[col].numpy())
        expected = apply_kernels(image[None], line_kernels()[col])[0, 0]
        assert np.allclose(_shown(axes[2, col]), expected.numpy())
        expected = apply_kernels(image[None], learned[col, 0].detach())[0, 0]
        assert np.allclose(_shown(axes[4, col]), expected.numpy())
    # Kernels in one diverging map, symmetric around zero per row; feature maps grey.
    largest = learned.detach().abs().max().item()
    for row, limit in ((1, 4.0), (3, largest)):
        for ax in axes[row]:
            image_ = ax.get_images()[0]
            assert image_.get_cmap().name == "RdBu_r" and image_.get_clim() == (-limit, limit)
        assert {ax.get_images()[0].get_cmap().name for ax in axes[row + 1]} == {"gray"}
    assert hand_made_bar.get_ylim() == (-4.0, 4.0)
    assert learned_bar.get_ylim() == (-largest, largest)


def test_kernel_comparison_shows_the_8_strongest_kernels_of_a_large_layer(real_data):
    kernels = torch.zeros(100, 1, 5, 5)
    strongest = [42, 99, 7, 3, 60, 15, 88, 21, 50]  # the ninth, 50, is left out
    for index, strength in zip(strongest, range(9, 0, -1), strict=True):
        kernels[index, 0, 2, 2] = strength
    image = torch.rand(28, 28)
    fig = networks.plot_kernel_comparison(image, {"ConvNet": kernels})
    assert [ax.get_title() for ax in fig.axes[8:16]] == [f"#{i}" for i in strongest[:8]]
    assert fig.axes[8].get_ylabel() == "ConvNet\n(8 of 100, largest weights)"
    # Kernel 42 is 9 at its centre and 0 elsewhere: its map is the image's centre, times 9.
    assert np.allclose(_shown(fig.axes[16]), 9 * image[2:26, 2:26].numpy())


def test_receptive_field_figure_draws_each_stages_field(real_data):
    model = _convnet()
    fig = networks.plot_receptive_fields(model, torch.rand(1, 28, 28))
    fields = [f for f in analysis.receptive_fields(model) if f.name == "MaxPool2d"]
    assert len(fig.axes) == len(fields) == 3
    for ax, field in zip(fig.axes, fields, strict=True):
        (box,) = [patch for patch in ax.patches if isinstance(patch, Rectangle)]
        assert (box.get_width(), box.get_height()) == (field.size, field.size)
        assert box.get_xy() == (field.start - 0.5, field.start - 0.5)
        assert f"each sees {field.size}x{field.size}" in ax.get_title()
        (dots,) = ax.get_lines()  # one dot per unit, at the centre of its field
        centres = field.start + (field.size - 1) / 2 + field.jump * np.arange(field.output_size)
        assert sorted(set(dots.get_xdata())) == list(centres)
        assert len(dots.get_xdata()) == field.output_size**2
    (legend,) = fig.legends
    assert [text.get_text() for text in legend.get_texts()] == [
        "receptive field of the top-left unit",
        "centre of one unit's field (one dot per unit)",
    ]
    assert fig.axes[-1].get_xlabel() == "together they see 24x24 of 28x28"


def test_dense_equivalent_figure_compares_the_two_counts():
    counts = analysis.dense_equivalent(SmallConvNet().pipeline[0])
    ax = networks.plot_dense_equivalent(counts).axes[0]
    assert [bar.get_width() for bar in ax.patches] == [1_808_640, 104]
    assert ax.get_title() == "Same output, 17,391x fewer parameters"


def test_shift_figure_draws_one_line_per_model_below_the_shifted_example(real_data):
    accuracies = {
        "Logistic regression": {-2: 0.1, 0: 0.5, 2: 0.2},
        "ConvNet": {-2: 0.6, 0: 0.9, 2: 0.7},
    }
    example = torch.zeros(1, 28, 28)
    example[0, 10, 10] = 1.0
    fig = networks.plot_shift_robustness(accuracies, example=example)
    plot = next(ax for ax in fig.axes if ax.get_lines())
    logistic, convnet = plot.get_lines()
    assert list(convnet.get_xdata()) == [-2, 0, 2] and list(convnet.get_ydata()) == [0.6, 0.9, 0.7]
    assert logistic.get_label() == "Logistic regression"
    assert plot.get_xlabel() == "Shift to the right (pixels)"
    assert [t.get_text() for t in plot.get_xticklabels()] == ["-2", "0", "2"]
    assert [t.get_text() for t in plot.get_legend().get_texts()] == list(accuracies)
    thumbs = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_title() for ax in thumbs] == ["-2", "0", "2"]
    assert _shown(thumbs[2])[10, 12] == 1.0  # the example, moved 2 pixels right


def test_network_figures_of_degenerate_data_draw_without_error_or_warning(real_data):
    """A model at 0% under every shift, a layer whose kernels are all zero."""
    image, model = torch.rand(1, 28, 28), _convnet()
    warnings.simplefilter("error")  # pytest restores the filters after the test
    figures = [
        networks.plot_shift_robustness(
            {"at 0%": {-2: 0.0, 0: 0.0, 2: 0.0}, "ConvNet": {-2: 0.5, 0: 0.8, 2: 0.4}},
            example=image,
        ),
        networks.plot_kernel_comparison(image, {"dead layer": torch.zeros(4, 1, 5, 5)}),
        networks.plot_layer_features(model, torch.zeros(1, 28, 28)),
    ]
    for fig in figures:
        fig.savefig(io.BytesIO(), format="png")


def test_network_figures_of_synthetic_data_say_so(synthetic_data):
    image, model = torch.rand(1, 28, 28), _convnet()
    figures = [
        networks.plot_layer_features(model, image),
        networks.plot_kernel_comparison(image, {"Hand-made": line_kernels()}),
        networks.plot_receptive_fields(model, image),
        networks.plot_shift_robustness({"M": {0: 0.5}}, example=image),
    ]
    for fig in figures:
        assert isinstance(fig, Figure)
        assert SYNTHETIC_NOTE in [text.get_text() for text in fig.texts]


@pytest.mark.cuda
def test_network_figures_accept_a_model_and_images_on_the_gpu(real_data):
    model, image = _convnet().cuda(), torch.rand(1, 28, 28).cuda()
    fig = networks.plot_layer_features(model, image)
    expected = analysis.layer_outputs(model.cpu(), image.cpu())[0][0]
    assert np.allclose(_shown(fig.axes[0]), expected.numpy(), atol=1e-2)  # TF32 on GPUs
    model.cuda()
    fig = networks.plot_kernel_comparison(image, {"ConvNet": model.pipeline[0].weight})
    assert len([ax for ax in fig.axes if ax.get_images()]) == 1 + 2 * 8
    assert len(networks.plot_receptive_fields(model, image).axes) == 3
