"""The explorers respond to their controls, driven from Python, and display a PNG even headless."""

import io

import ipywidgets
import nbformat
import numpy as np
import PIL.Image
import pytest
import torch
from conftest import SYNTHETIC_NOTE
from nbclient import NotebookClient

from lecture_utils.analysis import layer_outputs
from lecture_utils.figures import activation_explorer, explorers, kernel_explorer
from lecture_utils.kernels import KERNEL_NAMES, apply_kernels, line_kernels
from lecture_utils.models import ConvNet, SmallConvNet

PNG_MAGIC = b"\x89PNG"


class FakeHandle:
    """Stands in for IPython's DisplayHandle and remembers each update."""

    def __init__(self):
        self.updates = []

    def update(self, obj):
        self.updates.append(obj)


@pytest.fixture
def shown(monkeypatch):
    """Record what the explorers pass to IPython's `display` (no IPython shell needed)."""
    calls = []

    def fake_display(obj, display_id=None):
        calls.append((obj, display_id))
        return FakeHandle() if display_id else None

    monkeypatch.setattr(explorers, "display", fake_display)
    return calls


def _images(n: int = 6):
    torch.manual_seed(0)
    return torch.rand(n, 1, 28, 28), torch.arange(n) % 24


def _shown_array(axes_image):
    return torch.from_numpy(axes_image.get_array().data.copy())


def test_kernel_explorer_shows_the_feature_map_of_the_chosen_image_and_preset(real_data):
    X, y = _images()
    explorer = kernel_explorer(X, y)
    kernels = line_kernels()
    assert list(explorer.kernel.options) == [*KERNEL_NAMES, "Custom"]
    assert torch.equal(explorer.feature_map, apply_kernels(X[:1], kernels[0])[0, 0])

    explorer.image.value = 3
    explorer.kernel.value = "Horizontal"
    expected = apply_kernels(X[3:4], kernels[1])[0, 0]
    assert torch.equal(explorer.feature_map, expected)
    assert torch.allclose(_shown_array(explorer.plots[2]), expected)
    assert torch.equal(_shown_array(explorer.plots[0]), X[3, 0])
    assert torch.equal(_shown_array(explorer.plots[1]), kernels[1])
    assert explorer.axes[0].get_title() == "Image 3: letter D"


def test_kernel_explorer_colours_kernels_around_zero_and_images_grey(real_data):
    X, y = _images()
    explorer = kernel_explorer(X, y)
    assert explorer.plots[1].get_cmap().name == "RdBu_r"
    assert explorer.plots[1].get_clim() == (-4.0, 4.0)  # the line of 4s, and -1s elsewhere
    assert [label.get_text() for label in explorer.scale_labels] == ["4", "-4"]
    explorer.cells[0].value = -7.0
    assert explorer.plots[1].get_clim() == (-7.0, 7.0)
    assert [label.get_text() for label in explorer.scale_labels] == ["7", "-7"]
    assert explorer.plots[0].get_cmap().name == explorer.plots[2].get_cmap().name == "gray"


def test_custom_kernel_grid_starts_from_the_preset_and_is_applied(real_data):
    X, y = _images()
    explorer = kernel_explorer(X, y)
    explorer.kernel.value = "Diagonal up"
    grid = torch.tensor([cell.value for cell in explorer.cells]).reshape(5, 5)
    assert torch.equal(grid, line_kernels()[3])

    explorer.cells[11].value = 7.0  # row 2, column 1  # typing into the grid switches to "Custom"
    assert explorer.kernel.value == "Custom"
    kernel = line_kernels()[3].clone()
    kernel[2, 1] = 7.0
    assert torch.equal(explorer.current_kernel(), kernel)
    assert torch.equal(explorer.feature_map, apply_kernels(X[:1], kernel)[0, 0])
    assert torch.allclose(_shown_array(explorer.plots[2]), explorer.feature_map)


def test_choosing_a_preset_keeps_it_although_it_refills_the_custom_grid(real_data):
    """Filling the grid from a preset must not count as typing into it (which selects Custom)."""
    X, y = _images()
    explorer = kernel_explorer(X, y)
    explorer.kernel.value = "Horizontal"
    assert explorer.kernel.value == "Horizontal"
    assert explorer.axes[1].get_title() == "Kernel: Horizontal"
    grid = torch.tensor([cell.value for cell in explorer.cells]).reshape(5, 5)
    assert torch.equal(grid, line_kernels()[1])


def test_explorers_open_on_the_image_the_page_discusses(real_data):
    X, y = _images()
    explorer = kernel_explorer(X, y, start=4)
    assert explorer.image.value == 4 and explorer.axes[0].get_title() == "Image 4: letter E"
    assert torch.equal(explorer.feature_map, apply_kernels(X[4:5], line_kernels()[0])[0, 0])
    model = ConvNet()
    explorer = activation_explorer(model, X, y, start=5)
    assert explorer.image.value == 5
    assert torch.equal(explorer.activation, layer_outputs(model, X[5])[0][0])


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGB"))


def test_quick_redraws_give_the_same_picture_as_drawing_everything(real_data):
    X, y = _images()
    kernels, activations = (
        kernel_explorer(X, y),
        activation_explorer(ConvNet(), X, y),
    )
    kernels.png()
    activations.png()  # the background is kept from here on
    kernels.image.value, kernels.kernel.value = 3, "Diagonal up"
    activations.image.value, activations.layer.value, activations.channel.value = 2, 3, 9
    for explorer in (kernels, activations):
        quick = _pixels(explorer.png().data)
        buffer = io.BytesIO()
        explorer.fig.savefig(buffer, format="png")  # a complete draw of every artist
        assert np.array_equal(quick, _pixels(buffer.getvalue()))


def test_a_redraw_runs_torch_on_one_thread_and_restores_the_count(real_data, monkeypatch):
    """One image's work is quicker on one thread when another process keeps a core busy."""
    X, y = _images()
    explorer = activation_explorer(ConvNet(), X, y)
    seen = []
    draw = explorer._draw
    monkeypatch.setattr(explorer, "_draw", lambda: seen.append(torch.get_num_threads()) or draw())
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        explorer.channel.value = 3
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)


def test_activation_explorer_follows_image_layer_and_channel(real_data):
    X, y = _images()
    torch.manual_seed(0)
    model = ConvNet()
    explorer = activation_explorer(model, X, y)
    # Layers 0-8 give (C, H, W) maps; Flatten (9) and Linear (10) give flat vectors.
    assert [value for _, value in explorer.layer.options] == list(range(9))
    assert explorer.layer.label == "Layer 0: Conv2d"
    assert explorer.channel.max == 99

    explorer.image.value = 4
    explorer.layer.value = 3
    assert explorer.channel.max == 49
    explorer.channel.value = 5
    expected = layer_outputs(model, X[4])[3][5]  # on torch's threads; the explorer uses one
    assert torch.allclose(explorer.activation, expected, atol=1e-6)
    assert torch.equal(_shown_array(explorer.plots[1]), explorer.activation)
    assert explorer.axes[1].get_title() == "Layer 3: Conv2d, channel 5"

    assert explorer.plots[1].get_cmap().name == "gray"
    explorer.layer.value = 6  # 50 x 3 x 3: the picture takes the new shape
    assert explorer.plots[1].get_array().shape == (3, 3)
    assert explorer.axes[1].get_xlim() == (-0.5, 2.5)
    low, high = explorer.activation.min().item(), explorer.activation.max().item()
    assert [label.get_text() for label in explorer.scale_labels] == [f"{high:.3g}", f"{low:.3g}"]


def test_channel_slider_max_follows_the_layer_of_a_small_model(real_data):
    X, y = _images()
    explorer = activation_explorer(SmallConvNet(), X, y)
    assert explorer.channel.max == 3
    assert [label for label, _ in explorer.layer.options] == ["Layer 0: Conv2d", "Layer 1: ReLU"]
    assert explorer.axes[0].get_title() == "Image 0: letter A"


def test_display_shows_controls_then_a_png_that_updates_in_place(real_data, shown):
    X, y = _images()
    explorer = kernel_explorer(X, y)
    explorer._ipython_display_()
    (controls, _), (picture, display_id) = shown
    assert isinstance(controls, ipywidgets.Box) and display_id is True
    assert picture.data.startswith(PNG_MAGIC)

    explorer.kernel.value = "Diagonal down"
    explorer.image.value = 2
    assert len(explorer.handle.updates) == 2
    assert explorer.handle.updates[-1].data.startswith(PNG_MAGIC)
    assert explorer.handle.updates[-1].data != picture.data


def test_one_redraw_per_change_of_layer(real_data, shown):
    X, y = _images()
    explorer = activation_explorer(ConvNet(), X, y)
    explorer._ipython_display_()
    explorer.channel.value = 80
    explorer.layer.value = 3  # clamps the channel to 49 but redraws only once
    assert explorer.channel.value == 49
    assert len(explorer.handle.updates) == 2


def test_explorer_figures_say_when_the_data_is_synthetic(synthetic_data):
    X, y = _images()
    for explorer in (
        kernel_explorer(X, y),
        activation_explorer(ConvNet(), X, y),
    ):
        assert SYNTHETIC_NOTE in [text.get_text() for text in explorer.fig.texts]


@pytest.mark.cuda
def test_explorers_work_with_images_and_model_on_the_gpu(real_data):
    X, y = _images()
    X = X.cuda()
    explorer = kernel_explorer(X, y)
    explorer.kernel.value = "Horizontal"
    assert explorer.feature_map.is_cuda
    assert torch.allclose(explorer.feature_map, apply_kernels(X[:1], line_kernels()[1])[0, 0])
    model = ConvNet().cuda()
    explorer = activation_explorer(model, X, y)
    explorer.layer.value = 3
    assert torch.allclose(explorer.activation, layer_outputs(model, X[0])[3][0])


def test_a_headless_notebook_stores_widgets_and_pngs_and_nothing_else(tmp_path):
    """As the notebooks run on nbval and the site: explorers store their controls and a PNG,
    and a figure left last in a cell shows as a PNG after the setup cell's `%matplotlib inline`."""
    code = [
        "%matplotlib inline\n"
        "import torch\n"
        "from lecture_utils import activation_explorer, kernel_explorer, plot_kernels\n"
        "from lecture_utils.kernels import line_kernels\n"
        "from lecture_utils.models import SmallConvNet\n"
        "X, y = torch.rand(3, 1, 28, 28), torch.arange(3)",
        "kernel_explorer(X, y)",
        "activation_explorer(SmallConvNet(), X, y)",
        "plot_kernels(line_kernels())",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in code])
    NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    assert nb.cells[0].outputs == []
    for cell in nb.cells[1:3]:
        assert [output.output_type for output in cell.outputs] == ["display_data"] * 2
        widget, picture = (output.data for output in cell.outputs)
        assert "application/vnd.jupyter.widget-view+json" in widget
        assert "image/png" in picture
    (figure,) = nb.cells[3].outputs
    assert figure.output_type == "execute_result" and "image/png" in figure.data
