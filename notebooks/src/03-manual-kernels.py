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
# hand; how padding and stride set the size of the output; how kernels designed by a person
# pick out lines in an image; and why we would rather let the data choose the kernels.
#
# **Where this sits.** The third notebook. The baseline in
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
# Figures that a cell returns are shown as pictures below it.
# %matplotlib inline
import torch
import torch.nn.functional as F
from torch import nn

from lecture_utils import (
    KERNEL_NAMES,
    check_claim,
    check_exercise,
    kernel_explorer,
    line_kernels,
    load_sign_mnist,
    plot_feature_maps,
    plot_kernels,
    show_data_source,
)

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

# %% tags=["nbval-check-output"]
image = torch.arange(9.0).reshape(3, 3)
kernel = torch.arange(4.0).reshape(2, 2)
print("image:\n", image)
print("kernel:\n", kernel)

# %% [markdown]
# At the top-left position the kernel covers the pixels 0, 1, 3, 4, so the first output is
# $0 \cdot 0 + 1 \cdot 1 + 3 \cdot 2 + 4 \cdot 3 = 19$. The kernel fits in 2 positions
# across and 2 down, so the output is $2 \times 2$.
#
# The whole idea fits in a double loop: for every position where the kernel fits, take the
# patch under it, multiply, add up.


# %%
# ---
def convolve(image, kernel):
    """Slide `kernel` over a 2-D `image` without padding; each output is a patch's weighted sum."""
    k_rows, k_cols = kernel.shape
    rows, cols = image.shape[0] - k_rows + 1, image.shape[1] - k_cols + 1
    output = torch.zeros(rows, cols)
    for i in range(rows):
        for j in range(cols):
            patch = image[i : i + k_rows, j : j + k_cols]
            output[i, j] = (patch * kernel).sum()
    return output


# ---


# %% tags=["nbval-check-output"]
convolve(image, kernel)

# %% [markdown]
# The kernel only visits positions where it fits inside the image, so a $k \times k$ kernel
# shrinks an $n \times n$ image to $(n - k + 1) \times (n - k + 1)$: a $5 \times 5$ kernel
# turns our $28 \times 28$ images into $24 \times 24$ feature maps. (Strictly speaking,
# deep-learning libraries compute a *cross-correlation*: they do not flip the kernel. The
# field calls it a convolution anyway, and so do we.)
#
# PyTorch's `F.conv2d` does the same sum, for whole batches of images and many kernels at
# once, and far faster than a Python loop. It wants 4-D tensors: (image, channel, row,
# column) for the input and (output channel, input channel, row, column) for the kernels,
# hence the `[None, None]`, which adds two axes of length one. Does our loop agree with it
# on a real image and a random $5 \times 5$ kernel?

# %%
torch.manual_seed(0)
random_kernel = torch.randn(5, 5)
ours = convolve(X_train[0, 0], random_kernel)
theirs = F.conv2d(X_train[0][None], random_kernel[None, None])[0, 0]
largest = (ours - theirs).abs().max()
check_claim(
    "our loop computes what F.conv2d computes",
    ours.shape == theirs.shape and torch.allclose(ours, theirs, atol=1e-5),
    f"{ours.shape[0]} x {ours.shape[1]} outputs, largest difference {largest:.1e}",
)

# %% [markdown]
# ## Padding, stride and the size of the output
#
# The pixels at the border of the image are covered by fewer kernel positions than those in
# the middle: a corner pixel by only one. **Padding** adds a frame of zeros, $p$ pixels wide,
# around the image before the kernel slides, so the kernel can also centre on the border
# pixels. A **stride** of $s$ moves the kernel $s$ pixels at a time instead of one. Together
# they set the output size: an $n \times n$ image and a $k \times k$ kernel give an output
# $m \times m$ with
#
# $$m = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1,$$
#
# where $\lfloor \cdot \rfloor$ rounds down: positions where the kernel would stick out of
# the padded image are skipped. With $p = 0$ and $s = 1$ this is the $n - k + 1$ from above.
# `F.conv2d` takes both as arguments; our image and $5 \times 5$ kernel again:


# %%
def output_size(n, k, padding=0, stride=1):
    """Rows (or columns) of the output of a k x k kernel over an n x n image."""
    return (n + 2 * padding - k) // stride + 1


sizes = []
for padding, stride in [(0, 1), (1, 1), (2, 1), (0, 2), (2, 2)]:
    out = F.conv2d(X_train[0][None], random_kernel[None, None], padding=padding, stride=stride)
    sizes.append(
        f"padding {padding}, stride {stride}: F.conv2d gives {out.shape[-2]} x {out.shape[-1]},"
        f" the formula {output_size(28, 5, padding, stride)}"
    )
print("\n".join(sizes))

# %% [markdown]
# A padding of 2 keeps the $28 \times 28$ size for a $5 \times 5$ kernel: in general
# $p = (k - 1) / 2$ for an odd $k$ and stride 1, called "same" padding (PyTorch also
# accepts `padding="same"`). With stride 2 the output is about half as wide and half as
# tall. Does the formula hold for every size, padding and stride, not just these?


# %%
def conv2d_size(n, k, padding, stride):
    """Rows (or columns) of what F.conv2d makes of an n x n image and a k x k kernel."""
    image, kernel = torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k)
    return F.conv2d(image, kernel, padding=padding, stride=stride).shape[-1]


cases = [
    (n, k, p, s) for n in range(5, 13) for k in (1, 2, 3, 5) for p in (0, 1, 2) for s in (1, 2, 3)
]
wrong = [case for case in cases if conv2d_size(*case) != output_size(*case)]
check_claim(
    "the output-size formula gives what F.conv2d gives",
    not wrong,
    f"{len(cases)} combinations of image size, kernel size, padding and stride; "
    f"{len(wrong)} disagree",
)

# %% [markdown]
# ### Exercise 03-stride
#
# Write `convolve_with_stride(image, kernel, stride)`, without padding: the kernel jumps
# `stride` pixels between positions, across and down. Start from `convolve`; the formula
# above, with $p = 0$, tells you how many rows and columns the output has. The check
# compares your function with `F.conv2d(..., stride=stride)` for strides 2 and 3.


# %%
def convolve_with_stride(image, kernel, stride):
    """Like `convolve`, but the kernel jumps `stride` pixels between positions."""
    ...  # your code here


check_exercise("03-stride", convolve_with_stride)

# %% [markdown]
# ## Kernels that look for lines
#
# For decades, computer vision meant designing kernels by hand. Here are four that respond
# to lines: each is $-1$ everywhere except a line of $4$s, so that a uniform patch scores
# zero and a bright line in the kernel's direction scores high. The figure draws kernels in
# the colour map `RdBu_r`, the one every kernel figure of this lecture uses: red for
# positive weights, blue for negative ones, white for zero, with a colour bar for the
# values.

# %% tags=["nbval-check-output"]
kernels = line_kernels()
for name, k in zip(KERNEL_NAMES, kernels, strict=True):
    print(f"{name}:\n{k.int()}\n")

# %%
#| fig-cap: >-
#|   The four hand-made 5 x 5 kernels in the colour map RdBu_r: the line of 4s in red, the -1s
#|   in pale blue; the colour bar gives the values.
#| fig-alt: >-
#|   Four small squares of 5 by 5 cells, each with a red line on a pale blue ground: a
#|   vertical line, a horizontal line, a diagonal from top left to bottom right, and one from
#|   bottom left to top right; a colour bar runs from blue for negative through white to red.
plot_kernels(kernels)

# %% [markdown]
# ## Hand-made kernels in a convolution layer
#
# A convolution *layer*, `nn.Conv2d`, holds its kernels in a weight tensor of shape (output
# channels, input channels, rows, columns). Nothing stops us from putting our four kernels
# there ourselves: one grey input channel, four output channels, one feature map per kernel.
# This is the bridge to the next notebook, where the layer will learn its kernels instead.

# %%
# ---
conv = nn.Conv2d(in_channels=1, out_channels=4, kernel_size=5, bias=False)
with torch.no_grad():
    conv.weight.copy_(kernels.unsqueeze(1))  # (4, 5, 5) -> (4, 1, 5, 5)
    feature_maps = conv(X_train[:5])
# ---
feature_maps.shape

# %% [markdown]
# Each kernel gives a feature map that is bright where the image has a line in the kernel's
# direction:

# %%
#| fig-cap: >-
#|   Five training images (top row) and, in grey below them, their feature maps for the
#|   vertical, horizontal and two diagonal kernels.
#| fig-alt: >-
#|   A grid with five columns. The top row shows five greyscale images; each of the four rows
#|   below shows one kernel's greyscale feature map of the image above it, brighter where the
#|   image has a line in that kernel's direction.
plot_feature_maps(X_train[:5], feature_maps)

# %% [markdown]
# ## Try it yourself
#
# Pick an image and a kernel, or choose *Custom* and type your own $5 \times 5$ values. (On
# the course website the controls do nothing and you see the starting picture; open the
# notebook in Jupyter or Colab to play.)

# %%
#| fig-cap: >-
#|   The kernel explorer's starting view: the first training image, the vertical kernel and
#|   its feature map.
#| fig-alt: >-
#|   Three panels side by side: a greyscale training image, a 5 by 5 kernel in red and blue
#|   with a colour bar, and the resulting 24 by 24 greyscale feature map.
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
#
# **Next:** [04. A learnable convolution](04-learnable-convolution.ipynb).
