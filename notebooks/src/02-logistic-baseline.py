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
# **Where this sits.** The second notebook. [01](01-data.ipynb) turned the data into
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
# Figures that a cell returns are shown as pictures below it.
# %matplotlib inline
import torch
import torch.nn.functional as F
from torch import nn

from lecture_utils import (
    BASELINE_SETTINGS,
    SEED,
    Evaluation,
    check_claim,
    check_exercise,
    data_source,
    default_device,
    load_sign_mnist,
    plot_confusion,
    plot_history,
    save_trained,
    show_data_source,
    summary,
    train,
)

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
class LogisticRegression(nn.Module):
    """Multiclass logistic regression on raw pixels: it ignores where a pixel sits."""

    def __init__(self):
        super().__init__()
        # ---
        self.pipeline = nn.Sequential(
            nn.Flatten(),  # (1, 28, 28) image -> 784 pixel values in a row
            nn.Linear(28 * 28, 26),  # one score per letter; the loss applies softmax
        )
        # ---

    def forward(self, x):
        # ---
        return self.pipeline(x)
        # ---


# %%
torch.manual_seed(SEED)
model = LogisticRegression().to(device)

# %% [markdown]
# `torchsummary` lists each layer with the shape of its output (`-1` stands for "any batch
# size") and its number of parameters:

# %% tags=["nbval-check-output"]
summary(model)

# %% [markdown]
# Already 20,410 parameters: one weight per pixel and letter ($784 \times 26$) plus one
# bias per letter. Even the simplest image model is not small.
#
# ### Exercise 02-parameters
#
# How many parameters would the same model have for $64 \times 64$ *colour* images (three
# channels: red, green and blue), still for 26 letters? Give a whole number.

# %%
answer = None  # your answer: a whole number
check_exercise("02-parameters", answer)

# %% [markdown]
# ## Measuring a classifier
#
# `evaluate` scores every image once and returns three things: the **accuracy**; the mean
# cross-entropy **loss**; and the **confusion matrix**, in which row $i$, column $j$ counts
# the images of letter $i$ that the model called $j$. A perfect model puts every count on
# the diagonal. Three details are worth a look:
#
# - `model.eval()` switches the model to scoring. Some layers behave differently while a
#   model trains (dropout, batch normalisation); ours has none yet, but the habit costs
#   nothing, and `train_epoch` below switches back with `model.train()`.
# - `with torch.no_grad():` tells PyTorch not to record the computation for a backward
#   pass: we only score, so there is no gradient to compute, and memory and time are saved.
# - The images go through in batches of 1024, each moved to the model's device (`.to`),
#   so a GPU never has to hold the whole data set at once. Each (true, predicted) pair
#   becomes one cell number, counted with `bincount`: no Python loop over single images.
#
# We read this function rather than type it.


# %%
def evaluate(model, X, y, batch_size=1024):
    """Score every image once, without gradients: accuracy, mean loss and confusion matrix."""
    device = next(model.parameters()).device  # each batch goes where the model's weights are
    model.eval()  # evaluation mode: layers such as dropout stop acting as in training
    total_loss = 0.0
    confusion = torch.zeros(26, 26, dtype=torch.int64)  # row: true letter, column: predicted
    with torch.no_grad():  # no training step follows: skip the gradients (faster, less memory)
        for start in range(0, len(X), batch_size):
            images = X[start : start + batch_size].to(device)
            labels = y[start : start + batch_size].to(device)
            scores = model(images)
            # Summed, not averaged: the last batch may be smaller than the others.
            total_loss += F.cross_entropy(scores, labels, reduction="sum").item()
            predicted = scores.argmax(dim=1)
            # Each (true, predicted) pair is one of 26 * 26 cells: count them all at once.
            cells = labels * 26 + predicted
            confusion += torch.bincount(cells, minlength=26 * 26).view(26, 26).cpu()
    return Evaluation(
        accuracy=confusion.diagonal().sum().item() / len(X),
        loss=total_loss / len(X),
        confusion=confusion,
    )


# %% [markdown]
# *Predict, then run:* before any training the weights are random. What accuracy do you
# expect, and what will the confusion matrix look like?

# %%
#| fig-cap: >-
#|   Confusion matrix of the untrained logistic regression on the validation set: true letter
#|   by row, predicted letter by column.
#| fig-alt: >-
#|   A 26 by 26 grid of counts with letters on both axes, true letters down the side and
#|   predicted letters along the bottom; few counts lie on the diagonal.
untrained = evaluate(model, X_val, y_val)
plot_confusion(untrained.confusion, title=f"Untrained model (accuracy {untrained.accuracy:.1%})")

# %% [markdown]
# ### Exercise 02-accuracy
#
# Accuracy is the share of images whose highest score belongs to the true letter. Write it
# for one batch of `scores` (one row per image, one column per letter) and `labels` (one
# letter number per image): return one number between 0 and 1 (a float or a one-element
# tensor). The check tries it on a few batches of different sizes.


# %%
def accuracy(scores, labels):
    """Fraction of rows of `scores` whose largest entry sits at the true label."""
    ...  # your code here


check_exercise("02-accuracy", accuracy)

# %% [markdown]
# ## Training in mini-batches
#
# Computing the gradient on every training image before each step would be slow. Instead
# one **epoch** shuffles the images and walks through them in **mini-batches** of 32, with
# one step of gradient descent per batch. The usual PyTorch way to get such batches wraps
# the tensors in a `TensorDataset` and hands it to a `DataLoader`:

# %%
from torch.utils.data import DataLoader, TensorDataset

loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True)
for images, labels in loader:
    print("one batch of images:", tuple(images.shape), "and of labels:", tuple(labels.shape))
    break
print(f"{len(loader):,} batches in one epoch of {len(X_train):,} training images")

# %% [markdown]
# Our loop makes the same kind of batches without a `DataLoader`: every image once per
# epoch, in a new random order, 32 at a time. Our images are already one tensor in memory,
# so it shuffles that tensor once (`randperm`) and takes consecutive slices of it. A
# `DataLoader` fetches the 32 images of a batch one by one and stacks them again (it
# *collates* them), work that slicing skips; for a model as small as ours that makes an
# epoch noticeably slower (`bench/bench_batching.py` measures by how much on your machine). A
# `DataLoader` earns its keep when the images are files on disk, or are changed at random
# as they are loaded (augmentation), possibly in several worker processes at once.
#
# For each batch, five steps: clear the old gradients, score the batch, compute the loss,
# back-propagate, and let the optimizer (plain stochastic gradient descent) take a step.


# %%
def train_epoch(model, X, y, optimizer, batch_size=32, after_batch=None):
    """Train `model` for one epoch: one step of `optimizer` per shuffled mini-batch of (X, y)."""
    model.train()
    order = torch.randperm(len(X))  # a new random order of the images every epoch
    X, y = X[order], y[order]
    for start in range(0, len(X), batch_size):
        images, labels = X[start : start + batch_size], y[start : start + batch_size]

        # ---
        optimizer.zero_grad()  # forget the previous batch's gradients
        scores = model(images)  # one row of 26 scores per image
        loss = F.cross_entropy(scores, labels)  # mean loss over the batch
        loss.backward()  # the gradient of the loss for every weight
        optimizer.step()  # move every weight a small step against its gradient
        # ---

        if after_batch is not None:  # e.g. update a progress bar
            after_batch(loss, scores, labels)


# %% [markdown]
# One epoch by hand, then a look at the validation accuracy. `train_epoch` slices the
# tensors it is given, so they must sit on the model's device: `.to(device)` moves them
# there (on a CPU it changes nothing).

# %%
optimizer = torch.optim.SGD(
    model.parameters(), lr=BASELINE_SETTINGS["lr"], momentum=BASELINE_SETTINGS["momentum"]
)
train_epoch(
    model, X_train.to(device), y_train.to(device), optimizer, BASELINE_SETTINGS["batch_size"]
)
after_one = evaluate(model, X_val, y_val)
print(f"After one epoch: {after_one.accuracy:.1%} on the validation set")
print(f"(untrained: {untrained.accuracy:.1%})")

# %% [markdown]
# For the whole run we hand our two functions to the package's `train`
# (`train_epoch=train_epoch, evaluate=evaluate`), so it runs exactly the code above: change
# a cell, run it again, and the training changes with it. Around them `train` does the
# bookkeeping: it checks the model and the data before the first batch, moves the data to
# the model's device, creates the optimizer (`torch.optim.SGD` with the settings' learning
# rate and momentum), fixes the order of the batches with the settings' seed, and calls
# `evaluate` on both data sets after every epoch, for the learning curves. It also adds what
# teaching live needs: a progress bar with the running loss and accuracy, a clean stop when
# you press Stop (the model keeps what it learned so far, and the history says that training
# was stopped), an error if the loss blows up, and a choice of how many CPU threads torch
# uses. The lecture's settings for the baseline:

# %% tags=["nbval-check-output"]
BASELINE_SETTINGS

# %% [markdown]
# We start again from the same random weights and train for the number of epochs above.

# %%
torch.manual_seed(SEED)
model = LogisticRegression().to(device)
history = train(
    model,
    (X_train, y_train),
    (X_val, y_val),
    **BASELINE_SETTINGS,
    train_epoch=train_epoch,
    evaluate=evaluate,
)

# %%
#| fig-cap: >-
#|   Loss (left) and accuracy (right) of logistic regression after each epoch: training as a
#|   solid line with circles, validation as a dashed line with squares.
#| fig-alt: >-
#|   Two line charts over the epochs of training, each with a legend. Left: the cross-entropy
#|   loss on the training set (solid line, circles) and on the validation set (dashed line,
#|   squares). Right: the accuracy on the same two sets, drawn the same way.
plot_history(history)

# %% [markdown]
# Where the validation curve falls behind the training curve, the model does better on the
# images it trained on than on new ones: it has begun to learn those images rather than the
# letters (*overfitting*). Compare the two curves in each panel: where they lie on top of
# each other, the model has not begun to overfit. The gap after the last epoch:

# %%
gap = history.train_accuracy[-1] - history.val_accuracy[-1] if len(history) else float("nan")
print(f"training accuracy minus validation accuracy after the last epoch: {gap:+.1%}")

# %%
#| fig-cap: >-
#|   Confusion matrix of the trained logistic regression on the validation set: true letter
#|   by row, predicted letter by column.
#| fig-alt: >-
#|   A 26 by 26 grid of counts with letters on both axes, true letters down the side and
#|   predicted letters along the bottom, to compare with the untrained model's grid above.
trained = evaluate(model, X_val, y_val)
plot_confusion(
    trained.confusion, title=f"After {len(history)} epochs (accuracy {trained.accuracy:.1%})"
)

# %% [markdown]
# Compare the diagonal with the untrained model's. Here are the claims this notebook makes
# about the run, checked on the data in use:

# %%
if history.interrupted:
    run = f"{len(history)} finished epochs, training stopped early"
else:
    run = f"{len(history)} epochs"
print(f"Validation accuracy on {data_source().name} after {run}: {trained.accuracy:.1%}")
check_claim(
    "training lowers the validation loss",
    trained.loss < untrained.loss,
    f"{untrained.loss:.4f} untrained, {trained.loss:.4f} after {run}",
)
check_claim(
    "the baseline is far better than chance",
    trained.accuracy >= 3 / 24,
    f"{trained.accuracy:.1%} against {1 / 24:.1%} for guessing, after {run}",
)
if data_source().is_real:
    check_claim(
        "on the real data it reaches about 54%",
        0.50 <= trained.accuracy <= 0.58,
        f"{trained.accuracy:.1%} after {run}, trained on {len(X_train):,} images",
    )

# %% [markdown]
# On the real data this baseline reaches about 54% on the validation set (the last claim
# above checks that whenever the real data is in use), and it has not finished learning:
# more epochs would still help a little. Even so, it gets nearly every second image wrong.
# Can a model that *knows* which pixels are neighbours do better?
#
# Later notebooks compare their models with this one, so we save it (its weights and its
# accuracy) in the cache folder instead of training it again there. A run stopped early is
# not saved as the trained baseline:

# %%
save_trained(model, BASELINE_SETTINGS, history, val_accuracy=trained.accuracy)

# %% [markdown]
# **Next:** [03. Hand-made convolution kernels](03-manual-kernels.ipynb).
