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

from lecture_utils import (
    ALPHABET,
    CNN_SETTINGS,
    KERNEL_NAMES,
    SEED,
    ConvNet,
    accuracy_under_shifts,
    activation_explorer,
    check_claim,
    check_exercise,
    data_name,
    default_device,
    evaluate,
    line_kernels,
    load_sign_mnist,
    load_trained,
    plot_kernel_comparison,
    plot_layer_features,
    plot_receptive_fields,
    plot_shift_robustness,
    receptive_fields,
    saved_model,
    show_data_source,
    show_image,
    train,
)

device = default_device()
X_train, y_train = load_sign_mnist("train")
X_val, y_val = load_sign_mnist("test")
show_data_source()

# %% [markdown]
# ## The trained ConvNet
#
# Same model, same seed and same settings as in notebook 05 (the package holds the same
# `ConvNet` class). If 05 saved its weights for this data, we load them; otherwise we train
# the model now (a minute or less on a CPU).

# %%
torch.manual_seed(SEED)
model = ConvNet().to(device)
if load_trained(model, CNN_SETTINGS) is None:
    print("No ConvNet saved by notebook 05 for this data: training one now.")
    train(model, (X_train, y_train), (X_val, y_val), **CNN_SETTINGS)
print(f"Validation accuracy on {data_name()}: {evaluate(model, X_val, y_val).accuracy:.1%}")

# %% [markdown]
# ## One image, layer by layer
#
# We follow the first training image through the network:

# %%
#| fig-cap: "The training image whose path through the network we follow."
#| fig-alt: "A single greyscale training image, shown large."
image, label = X_train[0], int(y_train[0])
show_image(image, title=f"Letter {ALPHABET[label]}")

# %% [markdown]
# Because the model keeps its layers in `model.pipeline`, we can call them one at a time
# and keep every intermediate result. A layer expects a batch, so we give it a batch of one
# image and keep the first (only) result:

# %%
# ---
outputs = []
x = image.unsqueeze(0).to(device)  # a batch of one: (1, 1, 28, 28)
with torch.no_grad():
    for layer in model.pipeline:
        x = layer(x)
        outputs.append(x[0].cpu())
# ---

# %% tags=["nbval-check-output"]
for index, (layer, output) in enumerate(zip(model.pipeline, outputs, strict=True)):
    print(f"layer {index:2}: {type(layer).__name__:9} -> {tuple(output.shape)}")

# %% [markdown]
# Each output is a new representation of the same image. Here are the first three channels
# after the first convolution (layer 0) and its pooling (layer 1), and after the second
# convolution (layer 3) and its pooling (layer 4). A pooling layer keeps its input's
# channels, so layers 0 and 1 show the same three features, as do layers 3 and 4; but
# channel 0 of layer 3 has nothing to do with channel 0 of layer 0.

# %%
#| fig-cap: "Channels 0 to 2 of the feature maps after layers 0, 1, 3 and 4 of the trained ConvNet, for the image above."
#| fig-alt: "A grid of three rows by four columns of feature maps. The first two columns show 24 by 24 and 12 by 12 maps that still resemble the image; the last two show coarse 10 by 10 and 5 by 5 maps of bright and dark blocks."
plot_layer_features(model, image, layers=(0, 1, 3, 4), channels=(0, 1, 2))

# %% [markdown]
# The first layer's maps still look like the picture, with some edges or regions
# brightened and others dimmed. After pooling and the second convolution they become
# coarse grids of blocks that no longer look like anything we would name.
#
# ## The first layer's kernels
#
# The first convolution has 100 learned $5 \times 5$ kernels. Here are the eight with the
# largest weights, beside the hand-made line detectors of notebook 03, each over its feature map of our image:

# %%
#| fig-cap: "The four hand-made line kernels of notebook 03 and the eight of the ConvNet's 100 learned first-layer kernels with the largest weights, each above its feature map of the image followed above."
#| fig-alt: "Rows of small 5 by 5 kernels with a 24 by 24 feature map under each. The hand-made kernels are clean lines; the learned ones are blotchy patterns, several of them light on one side and dark on the other, like edge detectors."
plot_kernel_comparison(
    image,
    {"hand-made (03)": line_kernels(), "ConvNet, layer 0": model.pipeline[0].weight},
    labels={"hand-made (03)": KERNEL_NAMES},
)

# %% [markdown]
# ## How much of the image does each layer see?
#
# A unit of the first convolution sees a $5 \times 5$ patch: its **receptive field**. Each
# later layer combines neighbouring units of the layer before, so it sees more. Pooling
# helps: after a $2 \times 2$ pool, one step on the feature map is two pixels in the image.
#
# ### Exercise 06-receptive-field
#
# *Predict, then run:* how many pixels wide is the receptive field of one unit after the
# second convolution (layer 3)? Hint: each layer adds (kernel size $-$ 1) $\times$ (how many
# image pixels one step on its input spans).

# %%
answer = None  # a whole number of pixels
check_exercise("06-receptive-field", answer)

# %% tags=["nbval-check-output"]
for field in receptive_fields(model):
    print(f"layer {field.layer:2} ({field.name:9}): {field.size} x {field.size} pixels")

# %%
#| fig-cap: "The receptive field of one unit after each convolution and pooling stage of the ConvNet, drawn on the image followed above."
#| fig-alt: "The image repeated once per pooling stage, each with a red square outlining one unit's receptive field; the square grows from a small patch to a 24 by 24 region at the top left, which leaves the bottom and right edges of the image uncovered."
plot_receptive_fields(model, image)

# %% [markdown]
# The field grows from $5 \times 5$ to most of the image: only the deepest layers can
# respond to a whole arrangement such as "thumb across the palm". The last panel holds a
# surprise the lecture notes never mention. The third convolution leaves a $3 \times 3$ map,
# and a $2 \times 2$ pool with stride 2 keeps only its top-left $2 \times 2$ corner: the
# bottom row and right column are dropped. So the network's final features see only the
# top-left $24 \times 24$ pixels, and the last four rows and columns of every image never
# reach the classifier. Here that costs little, because the hands sit near the centre, but
# it is the kind of detail that a receptive-field calculation catches and a parameter count
# does not.
#
# ## Does it matter where the hand is?
#
# Logistic regression ties a weight to each pixel *position*; a convolution slides the same
# kernels everywhere, and pooling forgets small shifts. So a ConvNet should cope better when
# the images move a little. We test it: shift every validation image up to four pixels left
# (negative) or right (positive) in steps of two, filling with black, and measure the accuracy of the saved
# logistic baseline of notebook 02 and of the ConvNet.

# %%
shifts = [-4, -2, 0, 2, 4]
baseline = saved_model("LogisticRegression", device, ((X_train, y_train), (X_val, y_val)))
models = {"ConvNet": model} if baseline is None else {"logistic": baseline[0], "ConvNet": model}
robustness = {name: accuracy_under_shifts(m, X_val, y_val, shifts) for name, m in models.items()}

# %%
#| fig-cap: "Validation accuracy of the logistic baseline and the ConvNet when every image is shifted up to 4 pixels left (negative) or right (positive), with one validation image at each shift."
#| fig-alt: "A line chart of accuracy against shift in pixels with one line per model, each peaking at no shift and falling on both sides; the logistic line falls to a small fraction of its peak, the ConvNet line keeps a larger share. Below it, one image shown at each shift, moving left and right with a black strip growing on the other side."
plot_shift_robustness(robustness, example=X_val[0])

# %%
if baseline is not None:
    kept = {name: acc[2] / acc[0] for name, acc in robustness.items()}
    check_claim(
        "shifted 2 pixels, the ConvNet keeps a larger share of its accuracy than logistic regression",
        kept["ConvNet"] > kept["logistic"],
        f"{kept['ConvNet']:.0%} against {kept['logistic']:.0%} of the unshifted accuracy",
    )

# %% [markdown]
# Both models lose accuracy: pooling forgives only shifts of a pixel or two, and neither
# model saw shifted copies in training. But the ConvNet keeps a much larger share of what it
# knew. Notice also that the ConvNet suffers more from shifts to the right than to the left:
# that is the blind spot found above, as content pushed right moves into the columns the
# network never sees. (Training on randomly shifted copies, *data augmentation*, would help
# both models.)
#
# ## Explore the layers
#
# Choose an image, a layer and a channel. The explorer starts on the image we followed
# above. (On the course website you see the starting view; open the notebook in Jupyter or
# Colab to use the controls.)

# %%
#| fig-cap: "The activation explorer's starting view: the image followed above and one channel of the first layer's output."
#| fig-alt: "Two panels: a greyscale image and, beside it, a feature map from the selected layer and channel."
activation_explorer(model, X_train[:100], y_train[:100], start=0)

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
