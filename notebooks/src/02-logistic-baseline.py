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
import torch.nn.functional as F
from torch import nn

from lecture_utils import (
    BASELINE_SETTINGS,
    SEED,
    Evaluation,
    check_claim,
    check_exercise,
    data_name,
    default_device,
    load_sign_mnist,
    on_real_data,
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
# ---
class LogisticRegression(nn.Module):
    """Multiclass logistic regression on raw pixels: it ignores where a pixel sits."""

    def __init__(self):
        super().__init__()
        self.pipeline = nn.Sequential(
            nn.Flatten(),  # (1, 28, 28) image -> 784 pixel values in a row
            nn.Linear(28 * 28, 26),  # one score per letter; the loss applies softmax
        )

    def forward(self, x):
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
# channels, red, green and blue)?

# %%
answer = None  # your answer: a whole number
check_exercise("02-parameters", answer)

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
from lecture_utils.training import N_CLASSES, check_whole, checked_data, evaluation_mode


# ---
def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 1024
) -> Evaluation:
    """Score every image once, without gradients: accuracy, mean loss and confusion matrix."""
    check_whole(batch_size=batch_size)
    X, y = checked_data(model, (X, y), "the data")
    total_loss = 0.0
    confusion = torch.zeros(N_CLASSES, N_CLASSES, dtype=torch.int64)
    with evaluation_mode(model):
        for start in range(0, len(X), batch_size):
            images, labels = X[start : start + batch_size], y[start : start + batch_size]
            scores = model(images)
            total_loss += F.cross_entropy(scores, labels, reduction="sum").item()
            predicted = scores.argmax(dim=1)
            # Each (true, predicted) pair counts in one cell of the 26x26 matrix.
            pairs = labels * N_CLASSES + predicted
            confusion += torch.bincount(pairs, minlength=N_CLASSES**2).view_as(confusion).cpu()
    return Evaluation(
        accuracy=confusion.diagonal().sum().item() / len(X),
        loss=total_loss / len(X),
        confusion=confusion,
    )


# ---


# %% [markdown]
# *Predict, then run:* before any training the weights are random. What accuracy do you
# expect, and what will the confusion matrix look like?

# %%
#| fig-cap: "Confusion matrix of the untrained logistic regression on the validation set."
#| fig-alt: "A 26 by 26 grid of counts with letters on both axes; the counts pile up in a few predicted-letter columns instead of along the diagonal."
untrained = evaluate(model, X_val, y_val)
plot_confusion(untrained.confusion, title=f"Untrained model (accuracy {untrained.accuracy:.1%})")

# %% [markdown]
# ### Exercise 02-accuracy
#
# Accuracy is the share of images whose highest score belongs to the true letter. Write it
# for one batch of `scores` (one row per image, one column per letter) and `labels`.


# %%
def accuracy(scores, labels):
    """Fraction of rows of `scores` whose largest entry sits at the true label."""
    ...  # your code here


check_exercise("02-accuracy", accuracy)

# %% [markdown]
# ## Training in mini-batches
#
# Computing the gradient on all 27,455 images before every step would be slow. Instead one
# **epoch** shuffles the images and walks through them in **mini-batches** of 32: for each
# batch it clears old gradients, scores the batch, computes the loss, back-propagates, and
# lets the optimizer (plain stochastic gradient descent) take a step.


# %%
# ---
def train_epoch(model, X, y, optimizer, batch_size=32, after_batch=None):
    """Train `model` for one epoch: one step of `optimizer` per shuffled mini-batch of (X, y)."""
    model.train()
    order = torch.randperm(len(X))  # a new random order of the images every epoch
    X, y = X[order], y[order]
    for start in range(0, len(X), batch_size):
        images, labels = X[start : start + batch_size], y[start : start + batch_size]

        optimizer.zero_grad()  # forget the previous batch's gradients
        scores = model(images)  # one row of 26 scores per image
        loss = F.cross_entropy(scores, labels)  # mean loss over the batch
        loss.backward()  # the gradient of the loss for every weight
        optimizer.step()  # move every weight a small step against its gradient

        if after_batch is not None:  # e.g. update a progress bar
            after_batch(loss, scores, labels)


# ---


# %% [markdown]
# One epoch by hand, then a look at the validation accuracy:

# %%
optimizer = torch.optim.SGD(model.parameters(), lr=BASELINE_SETTINGS["lr"])
train_epoch(model, X_train, y_train, optimizer, batch_size=BASELINE_SETTINGS["batch_size"])
print(f"After one epoch: {evaluate(model, X_val, y_val).accuracy:.1%} on the validation set")

# %% [markdown]
# The package's `train` runs exactly this `train_epoch` once per epoch and evaluates both
# data sets after each one, so that we can draw learning curves. It adds what teaching live
# needs: a progress bar with the running loss and accuracy, a clean stop when you press
# Stop (the model keeps what it learned), and an error if the loss blows up. The lecture's
# settings for the baseline:

# %% tags=["nbval-check-output"]
BASELINE_SETTINGS

# %% [markdown]
# We start again from the same random weights and train for 30 epochs.

# %%
torch.manual_seed(SEED)
model = LogisticRegression().to(device)
history = train(model, (X_train, y_train), (X_val, y_val), **BASELINE_SETTINGS)

# %%
#| fig-cap: "Loss and accuracy of logistic regression during its 30 epochs, on the training and validation sets."
#| fig-alt: "Two line charts over 30 epochs. The loss falls for both sets; accuracy climbs, with validation below training."
plot_history(history)

# %%
#| fig-cap: "Confusion matrix of the trained logistic regression on the validation set."
#| fig-alt: "A 26 by 26 grid of counts with letters on both axes; more counts now lie on the diagonal, with many confusions off it."
trained = evaluate(model, X_val, y_val)
plot_confusion(trained.confusion, title=f"After 30 epochs (accuracy {trained.accuracy:.1%})")

# %% [markdown]
# The diagonal is now clearly visible. The lecture claims three things about this run; here
# they are, checked on the data in use:

# %%
print(f"Validation accuracy after 30 epochs on {data_name()}: {trained.accuracy:.1%}")
check_claim(
    "training lowers the loss",
    history.train_loss[-1] < history.train_loss[0] and history.val_loss[-1] < untrained.loss,
    f"validation loss {untrained.loss:.2f} untrained, {history.val_loss[-1]:.2f} after training",
)
check_claim(
    "the baseline is far better than chance",
    trained.accuracy >= 3 / 24,
    f"{trained.accuracy:.1%} against {1 / 24:.1%} for guessing",
)
if on_real_data():
    check_claim(
        "on the real data it lands near the notes' 54%",
        0.50 <= trained.accuracy <= 0.58,
        f"{trained.accuracy:.1%}; the notes report about 54%",
    )

# %% [markdown]
# On the real data this baseline reaches roughly 54% on the validation set, and it has not
# finished learning: more epochs would still help a little. Even so, it gets nearly every
# second image wrong. Can a model that *knows* which pixels are neighbours do better?
#
# Later notebooks compare their models with this one, so we save it (its weights and its
# accuracy) in the data cache instead of training it again there:

# %%
save_trained(model, BASELINE_SETTINGS, val_accuracy=trained.accuracy)

# %% [markdown]
# **Next:** [03. Hand-made convolution kernels](03-manual-kernels.ipynb).
