# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06. What did the ConvNet learn?
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/YOUR-ORG/YOUR-REPO/blob/main/notebooks/06-feature-inspection.ipynb)
#
# **What you will learn.** How to follow one image through a trained network layer by
# layer, what its feature maps look like, and why reading meaning into them needs care.
#
# **Where this sits.** Last of six notebooks. It inspects the pooled ConvNet trained in
# [05](05-pooling-convnet.ipynb) (loaded from the cache when 05 has run; trained here
# otherwise).
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

from lecture_utils import ALPHABET, plotting, show_source
from lecture_utils.checkpoints import checkpoint_path, load_checkpoint, save_checkpoint
from lecture_utils.data import load_sign_mnist
from lecture_utils.device import default_device
from lecture_utils.models import ConvNet
from lecture_utils.report import data_name, show_data_source
from lecture_utils.training import evaluate, train
from lecture_utils.widgets import activation_explorer

device = default_device()
X_train, y_train = load_sign_mnist("train")
X_val, y_val = load_sign_mnist("test")
show_data_source()

# %% [markdown]
# ## The trained ConvNet
#
# Same model, same seed and same settings as in notebook 05. If 05 saved its weights for
# this data, we load them; otherwise we train the model now (a minute or less on a CPU).

# %%
settings = dict(epochs=1, lr=0.01, momentum=0.9, batch_size=32, seed=0)  # as in notebook 05
torch.manual_seed(0)
# ---
model = ConvNet().to(device)
# ---
checkpoint = checkpoint_path(model, init_seed=0, **settings)
if load_checkpoint(model, checkpoint):
    print("Loaded the ConvNet trained in notebook 05.")
else:
    train(model, (X_train, y_train), (X_val, y_val), **settings)
    save_checkpoint(model, checkpoint)
print(f"Validation accuracy on {data_name()}: {evaluate(model, X_val, y_val).accuracy:.1%}")

# %% [markdown]
# ## One image, layer by layer
#
# We follow the first training image through the network:

# %%
#| fig-cap: "The training image whose path through the network we follow."
#| fig-alt: "A single greyscale training image, shown large."
image, label = X_train[0], int(y_train[0])
plotting.show_image(image, title=f"Letter {ALPHABET[label]}")

# %% [markdown]
# Because the model keeps its layers in `model.pipeline`, we can call them one at a time
# and keep every intermediate result:

# %%
show_source(plotting.layer_outputs)

# %%
# NBVAL_CHECK_OUTPUT
# ---
outputs = plotting.layer_outputs(model, image)
# ---
for index, (layer, output) in enumerate(zip(model.pipeline, outputs, strict=True)):
    print(f"layer {index:2}: {type(layer).__name__:9} -> {tuple(output.shape)}")

# %% [markdown]
# Each output is a new representation of the same image. Here are three channels after the
# first convolution (layer 0) and its pooling (layer 1), and after the second convolution
# (layer 3) and its pooling (layer 4):

# %%
#| fig-cap: "Channels 0 to 2 of the feature maps after layers 0, 1, 3 and 4 of the trained ConvNet, for the image above."
#| fig-alt: "A grid of three rows (channels) by four columns (layers). The first two columns show 24 by 24 and 12 by 12 maps that still resemble the hand; the last two show coarse 10 by 10 and 5 by 5 maps of bright and dark blocks."
plotting.plot_layer_features(model, image, layers=(0, 1, 3, 4), channels=(0, 1, 2))

# %% [markdown]
# The first layer's maps still look like the picture, with some edges or regions
# brightened and others dimmed. After pooling and the second convolution they become
# coarse grids of blocks that no longer look like anything we would name.

# %% [markdown]
# ## Explore the layers
#
# Choose an image, a layer and a channel. (On the course website you see the starting
# view; open the notebook in Jupyter or Colab to use the controls.)

# %%
#| fig-cap: "The activation explorer's starting view: an image and one channel of one layer's output."
#| fig-alt: "Two panels: a greyscale image and, beside it, a feature map from the selected layer and channel."
activation_explorer(model, X_val[:100], y_val[:100])

# %% [markdown]
# ## A word of caution
#
# It is tempting to say "channel 2 detects the thumb". Such stories are easy to tell and
# hard to test: one image and one channel prove little, and a feature can matter for
# reasons that do not show in a picture. Interpreting learned features takes many images,
# controlled experiments, and scepticism.
#
# ## What we built
#
# From a table of pixel values to a network that reads hand signs: a linear baseline, kernels
# by hand, kernels by gradient descent, and pooling to see more of the image with fewer
# numbers. Real image models add more of the same ideas (more layers, more channels, other
# ways to keep training stable) but rarely a different one.

# %% tags=["remove-cell"]
#| include: false
# Hidden checks of the shapes the lecture describes.
expected = [
    (100, 24, 24),
    (100, 12, 12),
    (100, 12, 12),
    (50, 10, 10),
    (50, 5, 5),
    (50, 5, 5),
    (50, 3, 3),
    (50, 1, 1),
    (50, 1, 1),
    (50,),
    (26,),
]
assert [tuple(output.shape) for output in outputs] == expected
