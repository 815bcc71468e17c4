import nbformat
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import lecture_utils.data
from lecture_utils.data import DataSource
from lecture_utils.report import (
    RESULT_MIME,
    format_table,
    record_result,
    results_in,
    show_data_source,
)


def test_recorded_results_are_found_in_an_executed_notebook():
    InteractiveShell.instance()
    with capture_output() as captured:
        record_result(model="ConvNet", val_accuracy=0.9)
    output = captured.outputs[0]
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                outputs=[nbformat.v4.new_output("display_data", data=output.data)]
            )
        ]
    )
    assert results_in(notebook) == [{"model": "ConvNet", "val_accuracy": 0.9}]


def test_the_data_banner_names_the_synthetic_stand_in(monkeypatch):
    InteractiveShell.instance()
    monkeypatch.setattr(
        lecture_utils.data, "data_source", lambda: DataSource("synthetic", "train", 5, "s")
    )
    with capture_output() as captured:
        show_data_source()
    data = captured.outputs[0].data
    assert (
        "synthetic stand-in" in data["text/markdown"]
        and "LECTURE_DATA=real" in data["text/markdown"]
    )
    assert data[RESULT_MIME] == {"data": "synthetic stand-in"}


def test_the_data_banner_for_real_data(monkeypatch):
    InteractiveShell.instance()
    monkeypatch.setattr(
        lecture_utils.data, "data_source", lambda: DataSource("cache", "train", 5, "r")
    )
    with capture_output() as captured:
        show_data_source()
    assert captured.outputs[0].data[RESULT_MIME] == {"data": "real (cache)"}


def test_tables_are_padded_to_their_widest_entry():
    assert (
        format_table([("a", "1.0"), ("long", "2")], ("name", "s"))
        == "name  s\n----  ---\na     1.0\nlong  2"
    )
