import pytest
import torch
from torch import nn

from lecture_utils import summary
from lecture_utils.inspection import summary_text
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
def test_summary_reports_the_reference_layers_shapes_and_parameter_counts(model_class):
    total, rows = EXPECTED_TABLES[model_class]
    text = summary_text(model_class())
    assert _table_rows(text) == rows
    assert f"Total params: {total:,}" in text
    assert sum(p.numel() for p in model_class().parameters()) == total


@pytest.mark.parametrize("model_class", list(EXPECTED_TABLES), ids=lambda c: c.__name__)
def test_models_keep_their_layers_in_a_pipeline_and_score_26_letters(model_class):
    model = model_class()
    assert isinstance(model.pipeline, nn.Sequential)
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 26)


def test_summary_prints_the_table(capsys):
    summary(SmallConvNet())
    assert "Total params: 60,034" in capsys.readouterr().out


def test_summary_leaves_the_model_where_it_was():
    model = ConvNet().to(memory_format=torch.channels_last)
    before = {name: p.clone() for name, p in model.state_dict().items()}
    summary_text(model)
    assert all(torch.equal(before[name], p) for name, p in model.state_dict().items())


@pytest.mark.cuda
def test_summary_works_for_a_model_on_cuda():
    model = ConvNet().cuda()
    assert "Total params: 71,526" in summary_text(model)
    assert next(model.parameters()).is_cuda
