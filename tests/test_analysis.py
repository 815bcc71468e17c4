"""Layer outputs, receptive fields, weight counts and shifted images, each checked against an
independent measurement (backprop, the convolution matrix, a pixel-by-pixel loop)."""

import copy

import pytest
import torch
from torch import nn

from lecture_utils import analysis
from lecture_utils.analysis import ReceptiveField
from lecture_utils.kernels import convolution_matrix
from lecture_utils.models import ConvNet, LogisticRegression, SmallConvNet


def test_layer_outputs_follow_the_pipeline():
    model = ConvNet()
    image = torch.rand(1, 28, 28)
    outputs = analysis.layer_outputs(model, image)
    shapes = [tuple(output.shape) for output in outputs]
    assert shapes[0] == (100, 24, 24) and shapes[4] == (50, 5, 5) and shapes[-1] == (26,)
    with torch.no_grad():
        assert torch.allclose(outputs[-1], model(image[None])[0])


def measured_receptive_field(
    model: nn.Module, layer: int, row: int = 0, col: int = 0, image_size: int = 28
) -> torch.Tensor:
    """The input pixels that output unit (row, col) of `layer` depends on, found by backprop.

    A copy of the model gets all weights and biases set to 1 (so every value stays positive
    and ReLU passes everything) and average instead of max pooling (which would pass the
    gradient to one pixel per window only): then no path cancels or is cut off, and a pixel's
    gradient is non-zero exactly when the unit depends on it. Returns a boolean mask.
    """
    probe = copy.deepcopy(model).cpu().float()
    for index, part in enumerate(probe.pipeline):
        if isinstance(part, nn.MaxPool2d):
            options = {"stride": part.stride, "padding": part.padding}
            probe.pipeline[index] = nn.AvgPool2d(part.kernel_size, **options)
    with torch.no_grad():
        for parameter in probe.parameters():
            parameter.fill_(1.0)
    X = torch.ones(1, 1, image_size, image_size, requires_grad=True)
    probe.pipeline[: layer + 1](X)[0, 0, row, col].backward()
    return X.grad[0, 0] != 0


def _window(field: ReceptiveField, row: int, col: int) -> tuple[slice, slice]:
    """The input rows and columns that the field says output unit (row, col) sees."""
    top, left = field.start + row * field.jump, field.start + col * field.jump
    return slice(top, top + field.size), slice(left, left + field.size)


def _window_of(mask: torch.Tensor) -> tuple[slice, slice]:
    """The rows and columns spanned by a mask's True pixels."""
    rows, cols = mask.any(1).nonzero().flatten(), mask.any(0).nonzero().flatten()
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def _same_window(computed: tuple[slice, slice], measured: tuple[slice, slice], side: int) -> bool:
    def cut(part: slice) -> tuple[int, int]:
        return max(part.start, 0), min(part.stop, side)

    return [cut(part) for part in computed] == [cut(part) for part in measured]


def _strided_padded_dilated() -> nn.Module:
    model = nn.Module()
    model.pipeline = nn.Sequential(
        nn.Conv2d(1, 3, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(3, 2, 3, dilation=2),
        nn.MaxPool2d(3, stride=2, padding=1),
        nn.Conv2d(2, 2, 3),
    )
    return model


@pytest.mark.parametrize("make_model", [ConvNet, SmallConvNet, _strided_padded_dilated])
def test_receptive_fields_match_the_pixels_that_backprop_reaches(make_model):
    model = make_model()
    fields = analysis.receptive_fields(model)
    assert fields, "no layer with a (C, H, W) output"
    for field in fields:
        for unit in {0, field.output_size // 2, field.output_size - 1}:
            measured = measured_receptive_field(model, field.layer, unit, unit)
            window = _window_of(measured)
            assert _same_window(_window(field, unit, unit), window, 28), (field, unit)
            if make_model is not _strided_padded_dilated:  # dilation leaves holes in a field
                assert measured[window].all() and measured.sum() == measured[window].numel()


def test_the_convnet_sees_24_of_28_pixels_and_never_the_last_four_rows_and_columns():
    last = analysis.receptive_fields(ConvNet())[-1]
    assert (last.name, last.size, last.jump, last.output_size) == ("ReLU", 24, 8, 1)
    measured = measured_receptive_field(ConvNet(), last.layer)
    assert measured[:24, :24].all() and not measured[24:].any() and not measured[:, 24:].any()


def test_receptive_fields_stop_at_flatten():
    assert [field.layer for field in analysis.receptive_fields(SmallConvNet())] == [0, 1]
    assert analysis.receptive_fields(LogisticRegression()) == []


def test_a_dense_layer_with_the_convolutions_output_needs_1_8_million_parameters():
    conv = SmallConvNet().pipeline[0]
    counts = analysis.dense_equivalent(conv)
    # The dense layer that does what the convolution does: one convolution matrix per kernel.
    matrix = torch.cat([convolution_matrix(kernel[0].detach(), 28) for kernel in conv.weight])
    assert (counts.outputs, counts.inputs) == tuple(matrix.shape) == (2304, 784)
    assert counts.dense_parameters == matrix.numel() + len(matrix) == 1_808_640
    assert counts.conv_parameters == conv.weight.numel() + conv.bias.numel() == 104


def test_parameter_count_counts_weights_and_biases():
    assert analysis.parameter_count(LogisticRegression()) == 784 * 26 + 26


def _shift_by_loop(X: torch.Tensor, dx: int, dy: int) -> torch.Tensor:
    shifted = torch.zeros_like(X)
    height, width = X.shape[-2:]
    for row in range(height):
        for col in range(width):
            if 0 <= row - dy < height and 0 <= col - dx < width:
                shifted[..., row, col] = X[..., row - dy, col - dx]
    return shifted


@pytest.mark.parametrize("dx, dy", [(0, 0), (3, 0), (-2, 0), (0, 4), (2, -3), (-28, 0), (5, 40)])
def test_shifted_images_move_without_wrapping_around(dx, dy):
    X = torch.rand(2, 1, 28, 28)
    assert torch.equal(analysis.shift_images(X, dx, dy), _shift_by_loop(X, dx, dy))


def _pixel_reader(row: int, col: int) -> nn.Module:
    """Says letter B when pixel (row, col) is bright, A otherwise."""
    model = LogisticRegression()
    linear = model.pipeline[1]
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.zero_()
        linear.weight[1, row * 28 + col] = 1.0
        linear.bias[0] = 0.5
    return model


def test_accuracy_under_shifts_scores_the_shifted_images():
    X = torch.zeros(4, 1, 28, 28)
    X[:2, 0, 10, 10] = 1.0  # letter B: a bright pixel where the model looks
    X[2:, 0, 10, 12] = 1.0  # letter A: a bright pixel elsewhere
    y = torch.tensor([1, 1, 0, 0])
    accuracy = analysis.accuracy_under_shifts(
        _pixel_reader(10, 10), X, y, [(0, 0), (1, 0), (-2, 0)]
    )
    # Shifted right by 1, the B pixel leaves the watched spot; shifted left by 2, an A pixel
    # lands on it and is read as B.
    assert accuracy == {(0, 0): 1.0, (1, 0): 0.5, (-2, 0): 0.0}
    # A plain number of pixels is a shift to the right, and stays the key.
    plain = analysis.accuracy_under_shifts(_pixel_reader(10, 10), X, y, [0, 1, -2])
    assert plain == {0: 1.0, 1: 0.5, -2: 0.0}


@pytest.mark.cuda
def test_measurements_work_on_a_model_on_the_gpu():
    model = ConvNet().cuda()
    assert [f.size for f in analysis.receptive_fields(model)][-1] == 24
    assert measured_receptive_field(model, 7)[:24, :24].all()
    assert analysis.dense_equivalent(SmallConvNet().cuda().pipeline[0]).conv_parameters == 104
    X, y = torch.rand(8, 1, 28, 28, device="cuda"), torch.zeros(8, dtype=torch.int64, device="cuda")
    assert analysis.shift_images(X, 1, 0).is_cuda
    accuracy = analysis.accuracy_under_shifts(model, X, y, [(0, 0), (2, 0)])
    assert set(accuracy) == {(0, 0), (2, 0)} and all(0 <= a <= 1 for a in accuracy.values())


def test_summary_prints_torchsummarys_table_and_leaves_the_model_as_it_was(capsys):
    model = ConvNet().to(memory_format=torch.channels_last)
    before = {name: p.clone() for name, p in model.state_dict().items()}
    analysis.summary(model)
    out = capsys.readouterr().out
    assert "Conv2d-1" in out and "[-1, 100, 24, 24]" in out and "Total params: 71,526" in out
    assert all(torch.equal(before[name], p) for name, p in model.state_dict().items())


@pytest.mark.cuda
def test_summary_works_for_a_model_on_cuda(capsys):
    model = ConvNet().cuda()
    analysis.summary(model)
    assert "Total params: 71,526" in capsys.readouterr().out
    assert next(model.parameters()).is_cuda
