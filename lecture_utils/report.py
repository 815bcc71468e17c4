"""What a notebook reports: the data it ran on, and results for `make lecture`'s summary table."""

from __future__ import annotations

from collections.abc import Iterable

from IPython.display import display

RESULT_MIME = "application/vnd.lecture-utils.result+json"


def record_result(**values: object) -> None:
    """Store named results (e.g. model and validation accuracy) as an output of this cell."""
    text = ", ".join(f"{name}={value}" for name, value in values.items())
    display({RESULT_MIME: values, "text/plain": f"result: {text}"}, raw=True)


def results_in(notebook: dict) -> list[dict]:
    """Every result recorded in an executed notebook (an nbformat dict), in cell order."""
    return [
        output["data"][RESULT_MIME]
        for cell in notebook.get("cells", [])
        for output in cell.get("outputs", [])
        if RESULT_MIME in output.get("data", {})
    ]


def format_table(rows: Iterable[Iterable[object]], header: Iterable[str]) -> str:
    """A plain-text table with columns padded to their widest entry."""
    table = [list(map(str, header)), *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in table
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def show_data_source() -> None:
    """Say, in a visible line of the notebook, which data the outputs below were computed on."""
    from .data import data_source

    source = data_source()
    if source is None:
        raise RuntimeError("load the data (load_sign_mnist) first")
    if source.is_synthetic:
        text = (
            "**Data: the synthetic stand-in**, not real Sign Language MNIST. Its images are "
            "rendered letters, not photographs of hands, so pictures and accuracies below differ "
            "from the lecture notes. With internet access, `LECTURE_DATA=real make lecture` "
            "regenerates every output from the real data."
        )
    else:
        text = f"**Data: Sign Language MNIST** ({source.label})."
    name = source.label if source.is_synthetic else f"real ({source.label})"
    display({"text/markdown": text, RESULT_MIME: {"data": name}, "text/plain": text}, raw=True)


def data_name() -> str:
    """How results should name their data: "the synthetic stand-in" or "Sign Language MNIST"."""
    from .data import data_source

    source = data_source()
    return (
        "the synthetic stand-in"
        if source is not None and source.is_synthetic
        else "Sign Language MNIST"
    )
