"""The course site's page lists in `_quarto.yml`, written from the notebook sources.

`make sync` rewrites the lines between each `# BEGIN <list>` and `# END <list>` comment of
`_quarto.yml`, one `- path` line per page at the BEGIN line's indentation: `notebooks` (one
page per `notebooks/src/NN-slug.py`, in lecture order), `solutions` (each
`notebooks/solutions/NN-slug.md`) and `pages` (both, what Quarto renders). A new notebook
needs only its source; a solution page, only its file.
"""

from __future__ import annotations

import re
from pathlib import Path

from colab import CONFIG, regenerate

ROOT = Path(__file__).resolve().parent.parent


class PagesError(Exception):
    """`_quarto.yml` lacks a list's marker lines; the message names them."""


def page_lists(root: Path = ROOT) -> dict[str, list[str]]:
    """Each generated list of `_quarto.yml`, by name: the site paths of its pages, in order."""
    sources = sorted((root / "notebooks" / "src").glob("[0-9][0-9]-*.py"))
    notebooks = [f"notebooks/{py.stem}.ipynb" for py in sources]
    solutions = sorted((root / "notebooks" / "solutions").glob("[0-9][0-9]-*.md"))
    solutions = [path.relative_to(root).as_posix() for path in solutions]
    return {"pages": notebooks + solutions, "notebooks": notebooks, "solutions": solutions}


def fix_config(text: str, lists: dict[str, list[str]]) -> str:
    """`_quarto.yml`'s text with the lines between each list's BEGIN and END comment rewritten."""
    for name, paths in lists.items():
        region = re.compile(rf"^( *)(# BEGIN {name}:.*\n)(?:.*\n)*?\1# END {name}\n", re.M)
        if len(region.findall(text)) != 1:
            raise PagesError(
                f"{CONFIG} must hold the comment lines '# BEGIN {name}: ...' and "
                f"'# END {name}' once each, equally indented, where its list of pages goes"
            )

        def lines(match: re.Match, paths: list[str] = paths, name: str = name) -> str:
            indent = match.group(1)
            items = "".join(f"{indent}- {path}\n" for path in paths)
            return f"{indent}{match.group(2)}{items}{indent}# END {name}\n"

        text = region.sub(lines, text)
    return text


def update(root: Path = ROOT, check: bool = False) -> list[str]:
    """Bring `_quarto.yml`'s page lists in line with the files; [CONFIG] if they differed
    (written unless `check`)."""
    return regenerate(root, CONFIG, lambda text: fix_config(text, page_lists(root)), check)
