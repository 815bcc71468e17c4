# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04. A learnable convolution
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/YOUR-ORG/YOUR-REPO/blob/main/notebooks/04-learnable-convolution.ipynb)
#
# **What you will learn.** Why a convolution is just a (special) linear map; how to put one
# into a neural network as a layer whose kernels are learned; and how a minimal
# convolutional model compares with the logistic baseline.
#
# **Where this sits.** Fourth of six notebooks. In [03](03-manual-kernels.ipynb) we chose
# the kernels by hand. Now the data chooses them. [05](05-pooling-convnet.ipynb) stacks such
# layers into a deeper network.
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
from lecture_utils.baseline import baseline_accuracy
from lecture_utils.data import load_sign_mnist
from lecture_utils.device import default_device
from lecture_utils.kernels import apply_kernels, convolution_matrix
from lecture_utils.models import SmallConvNet
from lecture_utils.report import data_name, record_result, show_data_source
from lecture_utils.training import evaluate, train

device = default_device()
X_train, y_train = load_sign_mnist("train")
X_val, y_val = load_sign_mnist("test")
show_data_source()

# %% [markdown]
# ## A convolution is a matrix multiplication
#
# Every output pixel of a convolution is a weighted sum of input pixels, with weights taken
# from the kernel. So the whole convolution is *linear*: flatten the image into a vector
# $\mathbf{x}$ and there is a matrix $\mathbf{M}$ with
# $\text{convolution}(\mathbf{x}) = \mathbf{M}\mathbf{x}$. We can build $\mathbf{M}$ for
# the small example of notebook 03: one column per input pixel, one row per output pixel.

# %%
# NBVAL_CHECK_OUTPUT
image = torch.arange(9.0).reshape(1, 1, 3, 3)
kernel = torch.arange(4.0).reshape(2, 2)
M = convolution_matrix(kernel, size=3)
print(M)
print("M @ x:      ", M @ image.flatten())
print("convolution:", apply_kernels(image, kernel).flatten())

# %% [markdown]
# $\mathbf{M}$ is mostly zeros, and the same four kernel values repeat along its rows: a
# convolution is a linear layer with far fewer free parameters, and with the idea "look at
# neighbouring pixels" built in. Because it is linear, it fits into the same framework as
# every linear model so far: gradient descent can learn the kernel values.
#
# ## A minimal convolutional model
#
# A convolution followed by a linear layer would still be linear overall, no better than
# logistic regression. So we put a nonlinearity, ReLU, in between:
#
# 1. `Conv2d(1, 4, 5)`: one grey input channel, **four** learned $5 \times 5$ kernels, so
#    four $24 \times 24$ feature maps;
# 2. `ReLU`: keep positive responses, zero out the rest;
# 3. `Flatten`: $4 \times 24 \times 24 = 2304$ features in a row;
# 4. `Linear(2304, 26)`: one score per letter.

# %%
show_source(SmallConvNet)

# %%
torch.manual_seed(0)
# ---
model = SmallConvNet().to(device)
# ---

# %%
# NBVAL_CHECK_OUTPUT
summary(model)

# %% [markdown]
# Three times as many parameters as logistic regression, nearly all of them in the final
# linear layer: the convolution itself has only $4 \times (25 + 1) = 104$.
#
# ## Training
#
# We use the same loop as before, for a **single** epoch, with a larger learning rate
# (0.01) and **momentum** 0.9: each step keeps 90% of the previous step's direction, which
# speeds up progress along directions where gradients agree.

# %%
untrained = evaluate(model, X_val, y_val)
# ---
history = train(model, (X_train, y_train), (X_val, y_val), epochs=1, lr=0.01, momentum=0.9, seed=0)
# ---

# %%
#| fig-cap: "Loss and accuracy of the small convolutional model after its single epoch, on the training and validation sets."
#| fig-alt: "Two small charts with a single point per line, one for training and one for validation: the loss after one epoch and the accuracy after one epoch."
plotting.plot_history(history)

# %%
#| fig-cap: "Confusion matrix of the small convolutional model on the validation set after one epoch."
#| fig-alt: "A 26 by 26 grid of counts with letters on both axes; most counts lie on the diagonal."
trained = evaluate(model, X_val, y_val)
plotting.plot_confusion(
    trained.confusion, title=f"SmallConvNet, 1 epoch (accuracy {trained.accuracy:.1%})"
)

# %%
print(f"Validation accuracy after one epoch on {data_name()}: {trained.accuracy:.1%}")

# %% [markdown]
# After one epoch instead of thirty, this minimal model already does better than the
# logistic baseline of notebook 02 (on the real data the lecture notes report a modest
# gain). Four learned kernels and a ReLU were enough to make use of the picture's layout.

# %% tags=["remove-cell"]
#| include: false
# Hidden checks of the lecture's claims, on whatever data is in use.
assert torch.equal(M @ image.flatten(), apply_kernels(image, kernel).flatten())
assert history.val_loss[-1] < untrained.loss, "one epoch of training should lower the loss"
assert trained.accuracy >= 3 / 24
# "better than the logistic baseline": retrain notebook 02's baseline and compare.
baseline = baseline_accuracy((X_train, y_train), (X_val, y_val), device=device)
assert trained.accuracy > baseline, (trained.accuracy, baseline)
record_result(model="SmallConvNet", val_accuracy=trained.accuracy)

# %% [markdown]
# **Next:** [05. Pooling and a deeper ConvNet](05-pooling-convnet.ipynb).
