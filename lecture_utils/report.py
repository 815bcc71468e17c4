"""Say which data a notebook ran on, in the notebook and in `make lecture`'s table."""

from __future__ import annotations

from collections.abc import Iterable

from IPython.display import Markdown, display

from .runlog import log_run

SYNTHETIC_BANNER = (
    "**Data: the synthetic stand-in**, not real Sign Language MNIST. Its images are rendered "
    "letters, not photographs of hands, made so that the lecture's three models rank in the "
    "same order as on the real data; pictures and accuracies below differ from the lecture "
    "notes. With internet access, `LECTURE_DATA=real make lecture` regenerates every output "
    "from the real data."
)


def show_data_source() -> None:
    """Say, in a visible line of the notebook, which data the outputs below were computed on."""
    from .data import data_source

    source = data_source()
    if source is None:
        raise RuntimeError("load the data (load_sign_mnist) first")
    if source.is_synthetic:
        display(Markdown(SYNTHETIC_BANNER))
        log_run(data=source.label)
    else:
        display(Markdown(f"**Data: Sign Language MNIST** ({source.label})."))
        log_run(data=f"real ({source.label})")


def on_real_data() -> bool:
    """True when the latest load was real Sign Language MNIST, not the stand-in."""
    from .data import data_source

    source = data_source()
    return source is not None and not source.is_synthetic


def data_name() -> str:
    """How results should name their data: "the synthetic stand-in" or "Sign Language MNIST"."""
    from .data import data_source

    source = data_source()
    synthetic = source is not None and source.is_synthetic
    return "the synthetic stand-in" if synthetic else "Sign Language MNIST"


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
