"""Say which data a notebook ran on, in the notebook and in `make lecture`'s table."""

from __future__ import annotations

from IPython.display import Markdown, display

from .runlog import log_run

SYNTHETIC_BANNER = (
    "**Data: the synthetic stand-in**{fell_back}, not real Sign Language MNIST. Its images are "
    "rendered letters, not photographs of hands, made so that the lecture's three models rank "
    "in the same order as on the real data; pictures and accuracies below differ from what the "
    "real data gives. With internet access, `LECTURE_DATA=real make lecture` regenerates every "
    "output from the real data."
)
OWN_FILES_BANNER = (
    "**Data: your own files** (the folder `LECTURE_DATA` names), not checked against Sign "
    "Language MNIST: the claims that hold only on the real data are not checked here."
)
# Said when auto mode fell back. The same words whatever went wrong, so that a stored notebook
# does not change with the error or its timing; `make data` says why.
FELL_BACK = " (the real data could not be downloaded here; `make data` says why)"


def show_data_source() -> None:
    """Say, in one visible line of the notebook, which data the outputs below were computed on.

    It is the notebook's only word about its data: loads print nothing.
    """
    from .data import data_source

    source = data_source()
    if source is None:
        raise RuntimeError("load the data (load_sign_mnist) first")
    if source.is_synthetic:
        display(Markdown(SYNTHETIC_BANNER.format(fell_back=FELL_BACK if source.fell_back else "")))
        log_run(data=source.label + (" (fell back)" if source.fell_back else ""))
    elif source.is_real:
        display(Markdown(f"**Data: Sign Language MNIST** ({source.label})."))
        log_run(data=f"real ({source.label})")
    else:
        display(Markdown(OWN_FILES_BANNER))
        log_run(data=source.label)


def on_real_data() -> bool:
    """True when the latest load was real Sign Language MNIST (checksums verified), not the
    stand-in and not a folder of your own files."""
    from .data import data_source

    source = data_source()
    return source is not None and source.is_real


def data_name() -> str:
    """How results should name their data: "the synthetic stand-in" or "Sign Language MNIST"."""
    from .data import data_source

    source = data_source()
    return "Sign Language MNIST" if source is None else source.name
