# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03. Hand-made convolution kernels
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/YOUR-ORG/YOUR-REPO/blob/main/notebooks/03-manual-kernels.ipynb)
#
# **What you will learn.** What a convolution kernel is and how to compute a convolution by
# hand; how kernels designed by a person pick out lines in an image; and why we would
# rather let the data choose the kernels.
#
# **Where this sits.** Third of six notebooks. The baseline in
# [02](02-logistic-baseline.ipynb) ignored where pixels sit. Convolutions are the tool that
# uses it; [04](04-learnable-convolution.ipynb) turns them into a learnable layer.
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

from lecture_utils import plotting, show_source
from lecture_utils.data import load_sign_mnist
from lecture_utils.kernels import KERNEL_NAMES, apply_kernels, line_kernels
from lecture_utils.report import show_data_source
from lecture_utils.widgets import kernel_explorer

X_train, y_train = load_sign_mnist("train")
show_data_source()

# %% [markdown]
# ## Sliding a kernel over an image
#
# Images are spatial: a pixel means most in the company of its neighbours. A **kernel** is
# a small square of numbers that we slide over the image. At each position we multiply the
# kernel with the patch of pixels under it, entry by entry, and add the products up; that
# sum is one pixel of the output, called a **feature map**.
#
# A tiny example: a $2 \times 2$ kernel over a $3 \times 3$ image.

# %%
# NBVAL_CHECK_OUTPUT
image = torch.arange(9.0).reshape(1, 1, 3, 3)  # one image, one channel, 3 x 3
kernel = torch.arange(4.0).reshape(2, 2)
print("image:\n", image[0, 0])
print("kernel:\n", kernel)

# %% [markdown]
# At the top-left position the kernel covers the pixels 0, 1, 3, 4, so the first output is
# $0 \cdot 0 + 1 \cdot 1 + 3 \cdot 2 + 4 \cdot 3 = 19$. The kernel fits in 2 positions
# across and 2 down, so the output is $2 \times 2$:

# %%
# NBVAL_CHECK_OUTPUT
# ---
apply_kernels(image, kernel)[0, 0]
# ---

# %% [markdown]
# No padding is added around the image (a "valid" convolution), so a $k \times k$ kernel
# shrinks an $n \times n$ image to $(n - k + 1) \times (n - k + 1)$: a $5 \times 5$ kernel
# turns our $28 \times 28$ images into $24 \times 24$ feature maps. (Strictly speaking,
# deep-learning libraries compute a *cross-correlation*: they do not flip the kernel. The
# field calls it a convolution anyway, and so do we.)

# %%
show_source(apply_kernels)

# %% [markdown]
# ## Kernels that look for lines
#
# For decades, computer vision meant designing kernels by hand. Here are four that respond
# to lines: each is $-1$ everywhere except a line of $4$s, so that a uniform patch scores
# zero and a bright line in the kernel's direction scores high.

# %%
# NBVAL_CHECK_OUTPUT
kernels = line_kernels()
for name, k in zip(KERNEL_NAMES, kernels, strict=True):
    print(f"{name}:\n{k.int()}\n")

# %%
#| fig-cap: "The four hand-made 5 x 5 kernels; bright cells are the line of 4s, dark cells the -1s."
#| fig-alt: "Four small square images: a bright vertical bar, a bright horizontal bar, a bright diagonal from top left to bottom right, and one from bottom left to top right."
plotting.plot_kernels(kernels)

# %% [markdown]
# Applied to our images, each kernel gives a feature map that is bright where the image
# has a line in the kernel's direction:

# %%
# NBVAL_CHECK_OUTPUT
# ---
feature_maps = apply_kernels(X_train[:5], kernels)
# ---
feature_maps.shape

# %%
#| fig-cap: "Five training images (top row) and their feature maps for the vertical, horizontal and two diagonal kernels."
#| fig-alt: "A grid with five columns. The top row shows five greyscale images; each of the four rows below shows one kernel's feature map of the image above it, bright where the image has a line in that direction."
plotting.plot_feature_maps(X_train[:5], feature_maps)

# %% [markdown]
# ## Try it yourself
#
# Pick an image and a kernel, or choose *Custom* and type your own $5 \times 5$ values. (On
# the course website the controls do nothing and you see the starting picture; open the
# notebook in Jupyter or Colab to play.)

# %%
#| fig-cap: "The kernel explorer's starting view: an image, the selected kernel and its feature map."
#| fig-alt: "Three panels side by side: a greyscale training image, a 5 by 5 kernel, and the resulting 24 by 24 feature map."
kernel_explorer(X_train[:100], y_train[:100])

# %% [markdown]
# ## Why stop at four kernels?
#
# Feature maps like these were the raw material of classic image classifiers: add up each
# map and you get a number such as "amount of vertical stroke in this image", and a few
# hundred such numbers can be fed to a linear model. The weak point is the person in the
# loop. Our four kernels know nothing about hands; for curled fingers or a thumb across the
# palm, someone would have to design and test new ones, problem after problem. The next
# notebook turns the question around: make the 25 numbers of each kernel parameters, and
# let gradient descent find kernels that help with *this* task.

# %% tags=["remove-cell"]
#| include: false
# Hidden checks of the shapes and the worked example.
assert apply_kernels(image, kernel)[0, 0, 0, 0] == 19
assert feature_maps.shape == (5, 4, 24, 24)

# %% [markdown]
# **Next:** [04. A learnable convolution](04-learnable-convolution.ipynb).
