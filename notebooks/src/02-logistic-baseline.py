# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02. A logistic-regression baseline
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/YOUR-ORG/YOUR-REPO/blob/main/notebooks/02-logistic-baseline.ipynb)
#
# **What you will learn.** How to feed images to a linear model with a `Flatten` layer; how
# to count a model's parameters; how to measure a classifier with accuracy, loss and a
# confusion matrix; and how a mini-batch training loop works.
#
# **Where this sits.** Second of six notebooks. [01](01-data.ipynb) turned the data into
# image tensors. Here we build the baseline that every convolutional model in
# [04](04-learnable-convolution.ipynb) and [05](05-pooling-convnet.ipynb) must beat.
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

from lecture_utils import plotting, show_source, summary
from lecture_utils.data import load_sign_mnist
from lecture_utils.device import default_device
from lecture_utils.models import LogisticRegression
from lecture_utils.report import data_name, record_result, show_data_source
from lecture_utils.training import evaluate, train

device = default_device()
X_train, y_train = load_sign_mnist("train")
X_val, y_val = load_sign_mnist("test")
show_data_source()

# %% [markdown]
# ## The model
#
# Logistic regression gives each of the 26 letters a score that is a weighted sum of all
# the pixels (plus a bias), and predicts the letter with the highest score. Our images
# arrive as $1 \times 28 \times 28$ blocks, while a linear layer wants a flat vector, so the
# first layer, `Flatten`, lays the 784 pixels out in a row. Note what that throws away: the
# model no longer knows which pixels are neighbours.
#
# We keep the layers in an `nn.Sequential` called `pipeline`, so that calling the model is
# one call to the pipeline. The model returns raw scores; the loss function
# (`cross_entropy`) applies the softmax itself, which is numerically safer.

# %%
show_source(LogisticRegression)

# %%
torch.manual_seed(0)
# ---
model = LogisticRegression().to(device)
# ---

# %% [markdown]
# `torchsummary` lists each layer with the shape of its output (`-1` stands for "any batch
# size") and its number of parameters:

# %%
# NBVAL_CHECK_OUTPUT
summary(model)

# %% [markdown]
# Already 20,410 parameters: one weight per pixel and letter ($784 \times 26$) plus one
# bias per letter. Even the simplest image model is not small.

# %% [markdown]
# ## Measuring a classifier
#
# `evaluate` scores every image once, in order, without computing gradients, and returns
# three things: the **accuracy**; the mean cross-entropy **loss**; and the **confusion
# matrix**, in which row $i$, column $j$ counts the images of letter $i$ that the model
# called $j$. A perfect model puts every count on the diagonal. Each (true, predicted) pair
# is turned into one cell number and counted with `bincount`, so there is no Python loop
# over single images.

# %%
show_source(evaluate)

# %% [markdown]
# Before any training the weights are random, and the predictions show it:

# %%
#| fig-cap: "Confusion matrix of the untrained logistic regression on the validation set."
#| fig-alt: "A 26 by 26 grid of counts with letters on both axes; the counts pile up in a few predicted-letter columns instead of along the diagonal."
untrained = evaluate(model, X_val, y_val)
plotting.plot_confusion(
    untrained.confusion, title=f"Untrained model (accuracy {untrained.accuracy:.1%})"
)

# %% [markdown]
# ## Training in mini-batches
#
# Computing the gradient on all 27,455 images before every step would be slow. Instead the
# loop shuffles the images once per epoch and walks through them in **mini-batches** of 32:
# for each batch it clears old gradients, scores the batch, computes the loss,
# back-propagates, and lets the optimizer (plain stochastic gradient descent) take a step.
# After every epoch it evaluates the whole training and validation sets, so that we can
# draw learning curves. The rest of `train` is bookkeeping: a progress bar, a clean stop
# when you press Stop, and an error if the loss blows up.

# %%
show_source(train)

# %% [markdown]
# We train for 30 epochs with learning rate 0.001. (Watch the progress bar: it shows the
# running loss and accuracy on the batches seen so far.)

# %%
# ---
history = train(
    model, (X_train, y_train), (X_val, y_val), epochs=30, lr=0.001, batch_size=32, seed=0
)
# ---

# %%
#| fig-cap: "Loss and accuracy of logistic regression after each of 30 epochs, on the training and validation sets."
#| fig-alt: "Two line charts over 30 epochs. The loss falls steadily for both sets; accuracy climbs, with validation below training."
plotting.plot_history(history)

# %%
#| fig-cap: "Confusion matrix of the trained logistic regression on the validation set."
#| fig-alt: "A 26 by 26 grid of counts with letters on both axes; most counts now lie on the diagonal, with scattered confusions off it."
trained = evaluate(model, X_val, y_val)
plotting.plot_confusion(
    trained.confusion, title=f"After 30 epochs (accuracy {trained.accuracy:.1%})"
)

# %%
print(
    f"Validation accuracy after 30 epochs on {data_name()}: {trained.accuracy:.1%} (chance: {1 / 24:.1%})"
)

# %% [markdown]
# The diagonal is now clearly visible, and the model is right far more often than chance.
# On the real data this baseline reaches roughly 54% on the validation set, and it is not
# finished learning: more epochs would still help a little. Even so, it gets nearly every
# second image wrong. Can a model that *knows* which pixels are neighbours do better?

# %% tags=["remove-cell"]
#| include: false
# Hidden checks of the lecture's claims, on whatever data is in use.
assert len(history) == 30
assert history.train_loss[-1] < history.train_loss[0] and history.val_loss[-1] < untrained.loss
assert trained.accuracy >= 3 / 24, (
    f"logistic regression should reach 3x chance, got {trained.accuracy:.1%}"
)
record_result(model="LogisticRegression", val_accuracy=trained.accuracy)

# %% [markdown]
# **Next:** [03. Hand-made convolution kernels](03-manual-kernels.ipynb).
