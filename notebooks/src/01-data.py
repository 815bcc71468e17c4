# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01. Sign Language MNIST: images as tensors
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/YOUR-ORG/YOUR-REPO/blob/main/notebooks/01-data.ipynb)
#
# **What you will learn.** How a table of pixel values becomes a stack of images that a
# neural network can read; what the data set holds; and what a model must beat to be any
# good at all.
#
# **Where this sits.** The first notebook of the lecture *Convolutional Neural Networks
# and Image Classification*. Next: a logistic-regression baseline (02), hand-made
# convolution kernels (03), a learnable convolution (04), a pooling ConvNet (05), and a look
# at what that ConvNet learned (06).
#
# *Reading the code:* a pair of `# ---` lines marks code that the instructor types live in
# class; the live-coding version of this notebook leaves it blank.

# %% tags=["colab-install"]
import sys

if "google.colab" in sys.modules:  # on Colab: install this lecture's helpers (keeps Colab's torch)
    import subprocess

    requirement = "lecture-utils @ git+https://github.com/YOUR-ORG/YOUR-REPO@main"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=True)

# %% [markdown]
# ## Our first non-tabular data
#
# Until now every data set we met was a table: one row per example, one column per feature.
# Today the examples are pictures.
# [Sign Language MNIST](https://www.kaggle.com/datasets/datamunge/sign-language-mnist)
# holds small greyscale photographs of a hand signing a letter of the American Sign Language
# alphabet. The task: look at the picture, name the letter.
#
# Two letters are missing: **J** and **Z** are signed with a movement, which a still photo
# cannot capture. That leaves 24 letters, numbered 0 (A) to 24 (Y) with 9 (J) unused.
#
# The helper package `lecture_utils` downloads the two files once, checks that they arrived
# intact, and keeps them on disk. Without internet access it falls back to a *synthetic
# stand-in* (rendered letters instead of hands); the line under the next cells says which
# data you are looking at.

# %%
# Figures that a cell returns are shown as pictures below it.
# %matplotlib inline
import pandas as pd
import torch

from lecture_utils import (
    ALPHABET,
    check_claim,
    data_source,
    load_sign_mnist,
    plot_letter_frequencies,
    show_data_source,
    show_images,
    sign_mnist_csv,
)

# %% [markdown]
# ## The data as a table
#
# The data set comes as two CSV files, a training split and a test split. Each row is one
# image: a `label` column followed by 784 columns `pixel1` ... `pixel784`, the grey levels
# (0 = black, 255 = white) of a 28 x 28 picture read row by row. We read the training file
# with pandas, as we would read any table:

# %%
table = pd.read_csv(sign_mnist_csv("train"))
show_data_source()

# %%
print(f"The first five rows of the training table ({data_source().name}):")
table.head()

# %% [markdown]
# We *could* train a model on this table as it stands, treating every pixel as an
# independent feature. But look at the column names: nothing says that `pixel1` sits next to
# `pixel2`, or right above `pixel29`. In a picture, neighbours matter: an edge, a finger, a
# shadow are all made of nearby pixels that change together. To keep that information we
# reshape each row back into the square it came from.

# %% [markdown]
# ## From rows to a 4-D tensor
#
# Three steps: split off the labels, turn the 784 pixel columns into a tensor of floats, and
# fold each row of 784 values into a $1 \times 28 \times 28$ block. `reshape(-1, 1, 28, 28)`
# says "one grey channel of 28 rows and 28 columns per image, and as many images as there
# are rows" (the `-1`). Dividing by 255 scales the grey levels from $0, \dots, 255$ to
# $[0, 1]$: neural networks train best on small inputs.

# %%
# ---
y_train = torch.tensor(table["label"].to_numpy())
pixels = torch.tensor(table.drop(columns="label").to_numpy(), dtype=torch.float32)
X_train = pixels.reshape(-1, 1, 28, 28) / 255
# ---

# %% [markdown]
# The lecture uses the test split as its validation data. `load_sign_mnist` does what the
# cell above did, from a fast binary copy on disk, and every later notebook starts with it.
# It had better give exactly the same tensors:

# %%
X_val, y_val = load_sign_mnist("test")
X_loaded, y_loaded = load_sign_mnist("train")
check_claim(
    "load_sign_mnist gives the tensors we built by hand",
    torch.equal(X_train, X_loaded) and torch.equal(y_train, y_loaded),
    f"{len(X_train):,} images compared pixel by pixel",
)

# %% tags=["nbval-check-output"]
print("training:  ", X_train.shape, y_train.shape, X_train.dtype)
print("validation:", X_val.shape, y_val.shape, X_val.dtype)

# %% [markdown]
# Read the four numbers of `X_train.shape` as
#
# $$(\text{image}, \text{channel}, \text{row}, \text{column}).$$
#
# The first number is the number of images; each has **one** channel (grey; a colour photo
# would have three, red, green and blue) and 28 rows by 28 columns of pixels. PyTorch always
# puts the height before the width. The labels are one number per image, and the pixel
# values are now in $[0, 1]$.

# %% [markdown]
# ## A look at the images
#
# The first 25 training images, each titled with the letter it shows:

# %%
#| fig-cap: >-
#|   The first 25 training images, each titled with its letter.
#| fig-alt: >-
#|   A five by five grid of small greyscale images, each titled with a single capital letter.
show_images(X_train, y_train, rows=5, cols=5)

# %% [markdown]
# ## How often does each letter occur?
#
# Before training anything it pays to know how unbalanced the classes are: if one letter
# made up half of the data, a model that always answered that letter would be right half of
# the time without learning anything.
#
# *Predict, then run:* of 24 letters, roughly what share would the most common one have if
# the data were balanced?

# %%
#| fig-cap: >-
#|   Share of training images per letter. J and Z never occur.
#| fig-alt: >-
#|   Dot plot of the share of training images for each letter from A to Z, with J and Z at
#|   zero; the printed lines below give the largest share.
plot_letter_frequencies(y_train)

# %%
counts = torch.bincount(y_train, minlength=26)
most_common = int(counts.argmax())
share = counts[most_common] / len(y_train)
print(
    f"Most common letter in {data_source().name}: {ALPHABET[most_common]}, {share:.1%} of the images"
)
check_claim(
    "J and Z never occur",
    int(counts[9]) == int(counts[25]) == 0,
    f"{int(counts[9])} images of J, {int(counts[25])} of Z",
)
check_claim(
    "no letter makes up 5% of the images or more", share < 0.05, f"largest share {share:.1%}"
)

# %% [markdown]
# A model that always guesses the most common letter is right exactly as often as that
# letter occurs: the share printed above, under 5% when the claim holds. Random guessing
# among 24 letters scores about $1/24 \approx 4.2\%$. Those two numbers are the floor every
# model in this lecture has to beat.
#
# **Next:** [02. A logistic-regression baseline](02-logistic-baseline.ipynb), a model that
# sees pixels but not the picture.
