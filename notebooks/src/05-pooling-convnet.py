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
# **Where this sits.** The fifth notebook. It builds on the learnable convolution of
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
# Figures that a cell returns are shown as pictures below it.
# %matplotlib inline
import torch
from IPython.display import display
from torch import nn

from lecture_utils import (
    CNN_SETTINGS,
    LONGER_CNN_SETTINGS,
    SEED,
    check_claim,
    check_exercise,
    data_source,
    default_device,
    evaluate,
    load_sign_mnist,
    plot_confusion,
    plot_history,
    plot_model_comparison,
    results_table,
    save_trained,
    saved_model,
    show_data_source,
    summary,
    train,
)
from lecture_utils.environment import more_training

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

# %% tags=["nbval-check-output"]
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
#
# Why pool *before* the ReLU, when many networks do it the other way round? Because here
# the order makes no difference to the result: ReLU never changes which of two numbers is
# larger, so the largest of four values after ReLU is ReLU of the largest of four. Pooling
# first lets ReLU work on a quarter of the values. We check it on random feature maps:

# %%
maps = torch.randn(8, 100, 24, 24)
pool_then_relu = nn.ReLU()(nn.MaxPool2d(2, 2)(maps))
relu_then_pool = nn.MaxPool2d(2, 2)(nn.ReLU()(maps))
check_claim(
    "max pooling and ReLU give the same result in either order",
    torch.equal(pool_then_relu, relu_then_pool),
    f"{pool_then_relu.numel():,} values compared; ReLU then sees {pool_then_relu.numel():,} "
    f"values instead of {maps.numel():,}",
)


# %%
# ---
class ConvNet(nn.Module):
    """Three convolution + max-pool + ReLU stages that shrink 28x28 down to 1x1, then a linear layer."""

    def __init__(self):
        super().__init__()
        self.pipeline = nn.Sequential(
            nn.Conv2d(1, 100, 5),  # -> 100 x 24 x 24
            nn.MaxPool2d(2, 2),  # -> 100 x 12 x 12
            nn.ReLU(),
            nn.Conv2d(100, 50, 3),  # -> 50 x 10 x 10
            nn.MaxPool2d(2, 2),  # -> 50 x 5 x 5
            nn.ReLU(),
            nn.Conv2d(50, 50, 3),  # -> 50 x 3 x 3
            nn.MaxPool2d(2, 2),  # -> 50 x 1 x 1
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(50, 26),
        )

    def forward(self, x):
        return self.pipeline(x)


# ---


# %%
torch.manual_seed(SEED)
model = ConvNet().to(device)

# %% tags=["nbval-check-output"]
summary(model)

# %% [markdown]
# 71,526 parameters, and most of them (45,050) sit in the second convolution. The pooling
# layers have none.
#
# ## Kernels that span channels
#
# Why so many in the second convolution? Its input is not one grey image but the 100 feature
# maps of the first stage. A kernel of `Conv2d(100, 50, 3)` is therefore not a $3 \times 3$
# square but a $100 \times 3 \times 3$ block: at each position it weighs the $3 \times 3$
# patch of *every* input channel and adds all 900 products (plus its bias) into one output
# value. The layer has 50 such kernels, one per output channel:
#
# $$50 \times (100 \times 3 \times 3 + 1) = 45{,}050.$$
#
# The weight tensor shows the same layout, (output channels, input channels, rows, columns):

# %% tags=["nbval-check-output"]
second = model.pipeline[3]
per_kernel = second.in_channels * second.kernel_size[0] * second.kernel_size[1] + 1
total = second.out_channels * per_kernel
print("weight shape:", tuple(second.weight.shape))
print(f"{second.out_channels} kernels x {per_kernel} numbers = {total:,}")
print(f"counted by PyTorch: {sum(p.numel() for p in second.parameters()):,}")

# %% [markdown]
#
# ### Exercise 05-two-stages
#
# Write a function that builds an `nn.Sequential` with at least one `Conv2d` and one
# `MaxPool2d` that turns one $1 \times 28 \times 28$ image into 16 feature maps of
# $5 \times 5$. Work out the sizes on paper first.


# %%
def make_model():
    """Return an nn.Sequential mapping (N, 1, 28, 28) to (N, 16, 5, 5)."""
    ...  # your code here


check_exercise("05-two-stages", make_model)

# %% [markdown]
# ## Training
#
# Let's train it exactly like the small model in 04: one epoch, learning rate 0.01,
# momentum 0.9 (the same `CNN_SETTINGS`). *Predict, then run:* three times as many
# layers as SmallConvNet, but only a fifth more parameters (71,526 against 60,034). Better or
# worse after one epoch?

# %%
untrained = evaluate(model, X_val, y_val)
# ---
history = train(model, (X_train, y_train), (X_val, y_val), **CNN_SETTINGS)
# ---

# %% [markdown]
# As in 04, the grey line is the running loss and accuracy of the training batches, one
# point per tenth of the epoch, and the markers at the end are the full evaluation after it.
# A tenth's running accuracy tends to sit below the end-of-epoch training marker (by the
# last tenth only a little) because it counts the mistakes the model made while it was still
# learning within that tenth.

# %%
#| fig-cap: >-
#|   Running training loss and accuracy over each tenth of the pooled ConvNet's single epoch,
#|   with the end-of-epoch evaluation on the training and validation sets.
#| fig-alt: >-
#|   Two charts over one epoch. A grey line of about ten points shows the running loss of the
#|   training batches and their running accuracy; a filled circle (training) and an open square
#|   (validation) at the end mark the full evaluation after the epoch; a legend names each.
plot_history(history)

# %%
#| fig-cap: >-
#|   Confusion matrix of the pooled ConvNet on the validation set after one epoch.
#| fig-alt: >-
#|   A 26 by 26 grid of counts with letters on both axes; most counts lie on the diagonal.
trained = evaluate(model, X_val, y_val)
plot_confusion(trained.confusion, title=f"ConvNet, 1 epoch (accuracy {trained.accuracy:.1%})")

# %% [markdown]
# We save the trained weights in the data cache, so that notebook 06 can inspect this very
# model without training it again.

# %%
save_trained(model, CNN_SETTINGS, history, val_accuracy=trained.accuracy)

# %% [markdown]
# ## The lecture's models, compared
#
# Each notebook saved its runs with their accuracy on the data in use: logistic regression
# twice (30 epochs of plain SGD in 02; one epoch with this notebook's settings in 04), and
# the two ConvNets with the same settings. A run that is missing (say, in a fresh Colab
# runtime) is trained here first, and the cell says so.

# %%
data = ((X_train, y_train), (X_val, y_val))
baseline = saved_model("LogisticRegression", device, data)
fair = saved_model("LogisticRegression", device, data, settings=CNN_SETTINGS)
small = saved_model("SmallConvNet", device, data)
table = results_table(device)
table

# %%
#| fig-cap: >-
#|   Parameters and validation accuracy of the lecture's runs, on the data in use: logistic
#|   regression with notebook 02's and with notebook 04's settings, SmallConvNet and ConvNet.
#| fig-alt: >-
#|   Two bar charts side by side, one bar per run: the parameter counts (about 20 thousand for
#|   each logistic regression, 60 thousand for SmallConvNet, 72 thousand for the ConvNet) and
#|   the validation accuracy of each run, each bar labelled with its value; a run not trained on
#|   this data reads "not trained".
plot_model_comparison(table)

# %%
stopped = " (training was stopped early)" if history.interrupted else ""
print(
    f"Validation accuracy after one epoch on {data_source().name}: {trained.accuracy:.1%}{stopped}"
)
check_claim(
    "one epoch of training lowers the loss",
    trained.loss < untrained.loss,
    f"validation loss {untrained.loss:.4f} before, {trained.loss:.4f} after{stopped}",
)
check_claim(
    "with the same settings, the pooled ConvNet beats logistic regression by at least 10 points",
    trained.accuracy >= fair[1] + 0.10,
    f"{trained.accuracy:.1%} against {fair[1]:.1%}; "
    f"logistic regression after 30 epochs of notebook 02: {baseline[1]:.1%}",
)
check_claim(
    "after the same single epoch, the pooled ConvNet beats SmallConvNet",
    trained.accuracy > small[1],
    f"{trained.accuracy:.1%} against {small[1]:.1%}",
)
if data_source().is_real:
    check_claim(
        "on the real data, SmallConvNet beats the 30-epoch baseline too",
        small[1] > baseline[1],
        f"{small[1]:.1%} against {baseline[1]:.1%}",
    )

# %% [markdown]
# Where the checks above hold, the extra structure pays off: with the same optimiser and the
# same single epoch, the pooled ConvNet is far more accurate than logistic regression, and
# ahead of SmallConvNet with only a fifth more parameters: its weights go into features, not
# into one huge final layer. Still, one epoch says little about where training would level
# off; the optional cell below trains for longer.
#
# ## Optional: more thorough training
#
# This cell trains a fresh ConvNet for 15 epochs and draws its learning curves: that takes
# several minutes on a laptop CPU, so it is **off by default**. Set `MORE_TRAINING = True`
# in the cell (or start Jupyter with the environment variable `LECTURE_MORE_TRAINING=1`) to
# run it.

# %%
MORE_TRAINING = more_training()  # True when LECTURE_MORE_TRAINING=1

if MORE_TRAINING:
    torch.manual_seed(SEED)
    longer = ConvNet().to(device)
    longer_history = train(longer, (X_train, y_train), (X_val, y_val), **LONGER_CNN_SETTINGS)
    display(plot_history(longer_history))
    display(longer_history.to_frame().round(3))
else:
    print("Skipped: set MORE_TRAINING = True to train a ConvNet for 15 epochs (minutes on a CPU).")

# %% [markdown]
# **Next:** [06. What did the ConvNet learn?](06-feature-inspection.ipynb)
