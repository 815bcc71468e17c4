# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05. Pooling and a deeper ConvNet
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/YOUR-ORG/YOUR-REPO/blob/main/notebooks/05-pooling-convnet.ipynb)
#
# **What you will learn.** Why stacking convolutions alone keeps the data large; how max
# pooling summarises and shrinks feature maps; and how a network of three
# convolution-pooling stages compares with the models so far.
#
# **Where this sits.** Fifth of six notebooks. It builds on the learnable convolution of
# [04](04-learnable-convolution.ipynb); [06](06-feature-inspection.ipynb) then looks inside
# the network trained here.
#
# *Reading the code:* a pair of `# ---` lines marks code that the instructor types live in
# class; the live-coding version of this notebook leaves it blank.

# %% tags=["colab-install"]
import sys

if "google.colab" in sys.modules:  # on Colab: install this lecture's helpers (keeps Colab's torch)
    import subprocess

    requirement = "lecture-utils @ git+https://github.com/YOUR-ORG/YOUR-REPO@main"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=True)

# %%
import torch
from torch import nn

from lecture_utils import plotting, show_source, summary
from lecture_utils.baseline import baseline_accuracy
from lecture_utils.checkpoints import checkpoint_path, save_checkpoint
from lecture_utils.data import load_sign_mnist
from lecture_utils.device import default_device
from lecture_utils.models import ConvNet
from lecture_utils.report import data_name, record_result, show_data_source
from lecture_utils.training import evaluate, train

device = default_device()
X_train, y_train = load_sign_mnist("train")
X_val, y_val = load_sign_mnist("test")
show_data_source()

# %% [markdown]
# ## Deeper: stacking convolutions
#
# The model of notebook 04 had a single convolution, so each of its features could only
# look at a $5 \times 5$ patch of pixels. A second convolution applied to those feature maps
# looks at a $5 \times 5$ patch *of features*, which covers a $9 \times 9$ patch of the
# image; a third sees further still. Think of a thumb: it is not a single edge but a
# particular arrangement of several, and only a layer that sees the whole arrangement can
# respond to it.
#
# Two problems come with plain stacking. Each valid convolution trims only a thin border
# (4 pixels for a $5 \times 5$ kernel), so the feature maps stay almost as large as the
# image, and every layer is slow; and the patch a deep feature sees grows only slowly.
#
# ## Pooling
#
# **Max pooling** answers both. It cuts each feature map into tiles, here $2 \times 2$
# tiles, and keeps only the largest number of each tile. The result has a quarter of the
# values and keeps the answer to "did this feature fire anywhere in this tile?", while
# forgetting exactly where. Pooling has no parameters to learn. A small example:

# %%
# NBVAL_CHECK_OUTPUT
grid = torch.tensor([[1.0, 3, 0, 2], [4, 2, 1, 1], [0, 1, 5, 6], [2, 2, 7, 0]]).reshape(1, 1, 4, 4)
print(grid[0, 0])
# ---
pooled = nn.MaxPool2d(2, 2)(grid)
# ---
print(pooled[0, 0])

# %% [markdown]
# ## A ConvNet with three pooling stages
#
# Our network repeats "convolution, max pool, ReLU" three times, shrinking the
# $28 \times 28$ image to $12 \times 12$, then $5 \times 5$, then $1 \times 1$, while
# the number of channels goes to 100 and then 50. A final linear layer turns the 50
# remaining numbers into 26 letter scores.

# %%
show_source(ConvNet)

# %%
torch.manual_seed(0)
# ---
model = ConvNet().to(device)
# ---

# %%
# NBVAL_CHECK_OUTPUT
summary(model)

# %% [markdown]
# 71,526 parameters, and most of them (45,050) sit in the second convolution, which combines
# 100 input channels through $3 \times 3$ kernels into 50 outputs. The pooling layers have
# none. Let's train it exactly like the small model in 04: one epoch, learning rate 0.01,
# momentum 0.9.

# %%
untrained = evaluate(model, X_val, y_val)
# ---
history = train(model, (X_train, y_train), (X_val, y_val), epochs=1, lr=0.01, momentum=0.9, seed=0)
# ---

# %%
#| fig-cap: "Loss and accuracy of the pooled ConvNet after its single epoch, on the training and validation sets."
#| fig-alt: "Two small charts with a single point per line, for training and validation: the loss after one epoch and the accuracy after one epoch."
plotting.plot_history(history)

# %%
#| fig-cap: "Confusion matrix of the pooled ConvNet on the validation set after one epoch."
#| fig-alt: "A 26 by 26 grid of counts with letters on both axes; nearly all counts lie on the diagonal."
trained = evaluate(model, X_val, y_val)
plotting.plot_confusion(
    trained.confusion, title=f"ConvNet, 1 epoch (accuracy {trained.accuracy:.1%})"
)

# %%
print(f"Validation accuracy after one epoch on {data_name()}: {trained.accuracy:.1%}")

# %% [markdown]
# The extra structure pays off: after a single epoch the pooled ConvNet is far more accurate
# than the logistic baseline was after thirty. Still, one epoch says little about where
# training would level off; the optional cell at the end of this notebook trains for longer.
#
# We save the trained weights in the data cache, so that notebook 06 can inspect this
# very model without training it again.

# %%
settings = dict(epochs=1, lr=0.01, momentum=0.9, batch_size=32, seed=0)  # as in the training cell
save_checkpoint(model, checkpoint_path(model, init_seed=0, **settings))

# %% tags=["remove-cell"]
#| include: false
# Hidden check: the pooled ConvNet beats the logistic baseline of notebook 02 by at least
# 10 points. The baseline is retrained (same settings) so that this notebook runs alone.
baseline = baseline_accuracy((X_train, y_train), (X_val, y_val), device=device)
assert history.val_loss[-1] < untrained.loss
assert trained.accuracy >= baseline + 0.10, (trained.accuracy, baseline)
record_result(model="ConvNet", val_accuracy=trained.accuracy)

# %% [markdown]
# ## Optional: more thorough training
#
# The one-epoch result above is a first impression. This cell trains a fresh ConvNet for
# 15 epochs and draws its learning curves: that takes several minutes on a laptop CPU, so
# it is **off by default**. Set `MORE_TRAINING = True` in the cell (or start Jupyter with
# the environment variable `LECTURE_MORE_TRAINING=1`) to run it.

# %%
import os

from IPython.display import display

MORE_TRAINING = os.environ.get("LECTURE_MORE_TRAINING") == "1"

if MORE_TRAINING:
    torch.manual_seed(0)
    longer = ConvNet().to(device)
    longer_history = train(
        longer, (X_train, y_train), (X_val, y_val), epochs=15, lr=0.01, momentum=0.9, seed=0
    )
    display(plotting.plot_history(longer_history))
    display(longer_history.to_frame().round(3))
else:
    print(
        "Skipped: set MORE_TRAINING = True to train a ConvNet for 15 epochs (several minutes on a CPU)."
    )

# %% [markdown]
# **Next:** [06. What did the ConvNet learn?](06-feature-inspection.ipynb)
