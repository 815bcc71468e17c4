import pytest
import torch
from torch import nn

from lecture_utils import summary
from lecture_utils.models import ConvNet, LogisticRegression, SmallConvNet

# Rows of torchsummary's table in the reference lecture: (layer, output shape, parameters).
EXPECTED_TABLES = {
    LogisticRegression: (
        20_410,
        [("Flatten-1", "[-1, 784]", "0"), ("Linear-2", "[-1, 26]", "20,410")],
    ),
    SmallConvNet: (
        60_034,
        [
            ("Conv2d-1", "[-1, 4, 24, 24]", "104"),
            ("ReLU-2", "[-1, 4, 24, 24]", "0"),
            ("Flatten-3", "[-1, 2304]", "0"),
            ("Linear-4", "[-1, 26]", "59,930"),
        ],
    ),
    ConvNet: (
        71_526,
        [
            ("Conv2d-1", "[-1, 100, 24, 24]", "2,600"),
            ("MaxPool2d-2", "[-1, 100, 12, 12]", "0"),
            ("ReLU-3", "[-1, 100, 12, 12]", "0"),
            ("Conv2d-4", "[-1, 50, 10, 10]", "45,050"),
            ("MaxPool2d-5", "[-1, 50, 5, 5]", "0"),
            ("ReLU-6", "[-1, 50, 5, 5]", "0"),
            ("Conv2d-7", "[-1, 50, 3, 3]", "22,550"),
            ("MaxPool2d-8", "[-1, 50, 1, 1]", "0"),
            ("ReLU-9", "[-1, 50, 1, 1]", "0"),
            ("Flatten-10", "[-1, 50]", "0"),
            ("Linear-11", "[-1, 26]", "1,326"),
        ],
    ),
}


def _table_rows(text: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if parts and "-" in parts[0] and parts[0].split("-")[-1].isdigit():
            rows.append((parts[0], " ".join(parts[1:-1]), parts[-1]))
    return rows


@pytest.mark.parametrize("model_class", list(EXPECTED_TABLES), ids=lambda c: c.__name__)
def test_summary_prints_the_reference_layers_shapes_and_parameter_counts(model_class, capsys):
    total, rows = EXPECTED_TABLES[model_class]
    summary(model_class())
    text = capsys.readouterr().out
    assert _table_rows(text) == rows
    assert f"Total params: {total:,}" in text
    assert sum(p.numel() for p in model_class().parameters()) == total


@pytest.mark.parametrize("model_class", list(EXPECTED_TABLES), ids=lambda c: c.__name__)
def test_models_keep_their_layers_in_a_pipeline_and_score_26_letters(model_class):
    model = model_class()
    assert isinstance(model.pipeline, nn.Sequential)
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 26)
