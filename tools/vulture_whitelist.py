"""Names that vulture (`make test`) would call dead but code outside this project uses.

vulture reads this file and never runs it: a name used here counts as used everywhere. Add
an entry only for a name that a framework reads or calls, and say which one and where.
"""

import tqdm
from nbconvert import HTMLExporter
from selenium.webdriver import ChromeOptions
from torch import Tensor

from lecture_utils.figures.explorers import _Explorer

_Explorer._ipython_display_  # IPython calls it to show an explorer (figures/explorers.py)
tqdm.tqdm.bar_format  # tqdm reads it to draw the bar (the last one: lecture_utils/monitor.py)
Tensor.grad  # autograd writes the gradient into it (bench/bench_layers.py resets it to None)
HTMLExporter.widget_renderer_url  # nbconvert reads this traitlets option (tools/browser_check.py)
HTMLExporter.require_js_url  # nbconvert reads this traitlets option (tools/browser_check.py)
ChromeOptions.binary_location  # selenium starts the Chromium it names (tools/browser_check.py)
