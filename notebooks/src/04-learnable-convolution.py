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
# **Where this sits.** The fourth notebook. In [03](03-manual-kernels.ipynb) we chose
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
# Figures that a cell returns are shown as pictures below it.
# %matplotlib inline
import torch
from torch import nn

from lecture_utils import (
    CNN_SETTINGS,
    KERNEL_NAMES,
    SEED,
    LogisticRegression,
    check_claim,
    check_exercise,
    convolution_matrix,
    data_source,
    default_device,
    dense_equivalent,
    evaluate,
    line_kernels,
    load_sign_mnist,
    plot_confusion,
    plot_dense_equivalent,
    plot_history,
    plot_kernel_comparison,
    save_trained,
    saved_model,
    show_data_source,
    summary,
    train,
)

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

# %% tags=["nbval-check-output"]
image = torch.arange(9.0).reshape(1, 1, 3, 3)
kernel = torch.arange(4.0).reshape(2, 2)
M = convolution_matrix(kernel, size=3)
print(M)
print("M @ x:      ", M @ image.flatten())
print("convolution:", nn.functional.conv2d(image, kernel[None, None]).flatten())

# %% [markdown]
# $\mathbf{M}$ is mostly zeros, and the same four kernel values repeat along its rows: a
# convolution is a linear layer with far fewer free parameters, and with the idea "look at
# neighbouring pixels" built in. Because it is linear, it fits into the same framework as
# every linear model so far: gradient descent can learn the kernel values.
#
# How much does sharing the kernel save? A dense layer that maps our 784 pixels to the same
# $4 \times 24 \times 24 = 2{,}304$ outputs as four $5 \times 5$ kernels would need a weight for
# every input-output pair:

# %% tags=["nbval-check-output"]
dense = nn.Linear(28 * 28, 4 * 24 * 24)
conv = nn.Conv2d(1, 4, kernel_size=5)
for name, layer in [("dense layer", dense), ("four 5x5 kernels", conv)]:
    print(f"{name:17}: {sum(p.numel() for p in layer.parameters()):>9,} parameters")

# %%
#| fig-cap: >-
#|   Parameters needed to map a 28 x 28 image to four 24 x 24 feature maps: a dense layer
#|   against four 5 x 5 kernels with biases (logarithmic scale).
#| fig-alt: >-
#|   Two bars on a logarithmic axis: about 1.8 million parameters for the dense layer and 104
#|   for the convolution.
plot_dense_equivalent(dense_equivalent(conv))

# %% [markdown]
# About 1.8 million against 104: the convolution uses the same 26 numbers per kernel (25
# weights and a bias) at every position, which is exactly the assumption that a line is a
# line wherever it appears.
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
# ---
class SmallConvNet(nn.Module):
    """One learnable convolution (4 kernels of 5x5), a ReLU, then a linear read-out."""

    def __init__(self):
        super().__init__()
        self.pipeline = nn.Sequential(
            nn.Conv2d(1, 4, 5),  # 1 grey channel in, 4 learned 5x5 kernels -> 4 x 24 x 24
            nn.ReLU(),
            nn.Flatten(),  # 4 * 24 * 24 = 2,304 features
            nn.Linear(4 * 24 * 24, 26),
        )

    def forward(self, x):
        return self.pipeline(x)


# ---


# %% [markdown]
# ### Exercise 04-shape
#
# Before you look at the summary below: a layer `nn.Conv2d(1, 8, 3)` gets one
# $1 \times 28 \times 28$ image. What is the shape (channels, height, width) of its output,
# and how many parameters does it have?

# %%
answer_shape = None  # three numbers: (channels, height, width)
answer_parameters = None  # a whole number
check_exercise("04-shape", answer_shape)
check_exercise("04-parameters", answer_parameters)

# %%
torch.manual_seed(SEED)
model = SmallConvNet().to(device)

# %% tags=["nbval-check-output"]
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

# %% tags=["nbval-check-output"]
CNN_SETTINGS

# %%
untrained = evaluate(model, X_val, y_val)
# ---
history = train(model, (X_train, y_train), (X_val, y_val), **CNN_SETTINGS)
# ---

# %% [markdown]
# The grey line shows the loss and accuracy of the training batches, one point per tenth of
# the epoch: each point averages only the batches of its own tenth, as training went along.
# The markers at the end are the full evaluation after the epoch, on the training and the
# validation set. The running accuracy of a tenth tends to sit below the end-of-epoch
# training marker, far below early in the epoch and close to it at the end: the weights kept
# changing during each tenth, so its batches were scored by a model that knew less than the
# finished one.

# %%
#| fig-cap: >-
#|   Running training loss and accuracy over each tenth of the small convolutional model's single
#|   epoch, with the end-of-epoch evaluation on the training and validation sets.
#| fig-alt: >-
#|   Two charts over one epoch. A grey line of about ten points shows the running loss of the
#|   training batches and their running accuracy; a filled circle (training) and an open square
#|   (validation) at the end mark the full evaluation after the epoch; a legend names each.
plot_history(history)

# %%
#| fig-cap: >-
#|   Confusion matrix of the small convolutional model on the validation set after one epoch.
#| fig-alt: >-
#|   A 26 by 26 grid of counts with letters on both axes; most counts lie on the diagonal.
trained = evaluate(model, X_val, y_val)
plot_confusion(trained.confusion, title=f"SmallConvNet, 1 epoch (accuracy {trained.accuracy:.1%})")
save_trained(model, CNN_SETTINGS, history, val_accuracy=trained.accuracy)

# %% [markdown]
# ## A fair comparison
#
# The small ConvNet trained for one epoch with momentum and a ten times larger learning
# rate; the baseline of notebook 02 for thirty epochs of plain SGD. Two things changed at
# once, so part of any gain could be the optimiser's. To separate them we also train
# logistic regression with *this* notebook's settings (it takes a second), and save it too:
# notebook 05 compares all the lecture's runs.

# %%
torch.manual_seed(SEED)
logistic_same_settings = LogisticRegression().to(device)
data = ((X_train, y_train), (X_val, y_val))
history_same = train(logistic_same_settings, *data, **CNN_SETTINGS, progress=False)
same_settings = evaluate(logistic_same_settings, X_val, y_val).accuracy
save_trained(logistic_same_settings, CNN_SETTINGS, history_same, val_accuracy=same_settings)

baseline = saved_model("LogisticRegression", device, data)
print(f"Validation accuracy on {data_source().name}:")
print(f"  logistic regression, notebook 02's settings (30 epochs): {baseline[1]:.1%}")
print(f"  logistic regression, this notebook's settings (1 epoch): {same_settings:.1%}")
print(f"  SmallConvNet, this notebook's settings (1 epoch):        {trained.accuracy:.1%}")

# %%
stopped = " (training was stopped early)" if history.interrupted else ""
check_claim(
    "one epoch of training lowers the loss",
    trained.loss < untrained.loss,
    f"validation loss {untrained.loss:.4f} before, {trained.loss:.4f} after{stopped}",
)
check_claim(
    "with the same optimiser and budget, the convolution beats logistic regression",
    trained.accuracy > same_settings,
    f"{trained.accuracy:.1%} against {same_settings:.1%}{stopped}",
)
check_claim(
    "after one epoch it beats the 30-epoch baseline of notebook 02",
    trained.accuracy > baseline[1],
    f"{trained.accuracy:.1%} against {baseline[1]:.1%}{stopped}",
)

# %% [markdown]
# The convolution wins also when both models get the same optimiser and the same single
# epoch: four learned kernels and a ReLU were enough to make use of the picture's layout.
#
# ## What did the kernels learn?
#
# The four $5 \times 5$ kernels of the convolution started random. Here they are after one
# epoch, beside the hand-made line detectors of notebook 03, each with the feature map it
# gives for the same image:

# %%
#| fig-cap: >-
#|   The four hand-made line kernels of notebook 03 and the four kernels SmallConvNet learned in
#|   one epoch, each above its feature map of the same training image. Kernels are drawn red for
#|   positive and blue for negative weights, each row with its own colour bar; maps in grey.
#| fig-alt: >-
#|   Two rows of four small 5 by 5 kernels in red and blue with a grey 24 by 24 feature map under
#|   each. The hand-made ones are clean lines; the learned ones are irregular patterns of positive
#|   and negative cells whose maps brighten edges and regions of the image.
plot_kernel_comparison(
    X_train[0],
    {"hand-made (03)": line_kernels(), "learned (SmallConvNet)": model.pipeline[0].weight},
    labels={"hand-made (03)": KERNEL_NAMES},
)

# %% [markdown]
# The learned kernels are not clean lines. Gradient descent did not look for anything a
# person would name; it found whatever weights lowered the loss. Look for a kernel with a red
# side and a blue side: it responds to a light-dark edge in one direction, much like the
# hand-made ones, and its feature map brightens where the image has such an edge.
#
# **Next:** [05. Pooling and a deeper ConvNet](05-pooling-convnet.ipynb).
