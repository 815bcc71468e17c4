from lecture_utils import show_source
from lecture_utils.models import ConvNet
from lecture_utils.training import evaluate


def test_show_source_is_stored_as_a_highlighted_python_block():
    shown = show_source(ConvNet)
    markdown = shown._repr_markdown_()
    assert markdown.startswith("```python\nclass ConvNet(nn.Module):")
    assert "nn.MaxPool2d(2, 2)" in markdown and markdown.rstrip().endswith("```")


def test_show_source_prints_plain_code_outside_jupyter():
    assert repr(show_source(evaluate)).startswith("def evaluate(")


def test_show_source_of_a_method_is_dedented():
    assert repr(show_source(ConvNet.forward)).startswith("def forward(self")


def test_show_source_refuses_objects_without_source():
    import pytest

    with pytest.raises(TypeError, match="cannot show the source of"):
        show_source(len)
