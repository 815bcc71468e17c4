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
# **Where this sits.** The sixth notebook. It inspects the pooled ConvNet trained in
# [05](05-pooling-convnet.ipynb) (loaded from the cache when 05 has run; trained here
# otherwise), and ends by fixing a blind spot that inspection reveals.
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
    ALPHABET,
    CNN_SETTINGS,
    KERNEL_NAMES,
    SEED,
    ConvNet,
    accuracy_under_shifts,
    activation_explorer,
    check_claim,
    check_exercise,
    data_source,
    default_device,
    line_kernels,
    load_sign_mnist,
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
# the model now (a minute or less on a CPU) and the cell says so. A model trained here can
# differ from 05's by a point or so of accuracy when the two ran on different numbers of CPU
# threads: convolutions add up their products in a different order, which rounds differently.

# %%
data = ((X_train, y_train), (X_val, y_val))
model, accuracy = saved_model("ConvNet", device, data)
print(f"Validation accuracy on {data_source().name}: {accuracy:.1%}")

# %% [markdown]
# ## One image, layer by layer
#
# We follow the first training image through the network:

# %%
#| fig-cap: >-
#|   The training image whose path through the network we follow.
#| fig-alt: >-
#|   A single greyscale training image, shown large.
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
#| fig-cap: >-
#|   Channels 0 to 2 of the feature maps after layers 0, 1, 3 and 4 of the trained ConvNet, for
#|   the image above.
#| fig-alt: >-
#|   A grid of three rows by four columns of feature maps. The first two columns show 24 by 24
#|   and 12 by 12 maps that still resemble the image; the last two show coarse 10 by 10 and 5 by
#|   5 maps of bright and dark blocks.
plot_layer_features(model, image, layers=(0, 1, 3, 4), channels=(0, 1, 2))

# %% [markdown]
# The first layer's maps still look like the picture, with some edges or regions
# brightened and others dimmed. After pooling and the second convolution they become
# coarse grids of blocks that no longer look like anything we would name.
#
# ## The first layer's kernels
#
# The first convolution has 100 learned $5 \times 5$ kernels. Here are the eight with the
# largest weights, beside the hand-made line detectors of notebook 03, each over its feature
# map of our image. As in 04, red cells are positive weights and blue cells negative ones.

# %%
#| fig-cap: >-
#|   The four hand-made line kernels of notebook 03 and the eight of the ConvNet's 100 learned
#|   first-layer kernels with the largest weights, each above its feature map of the image
#|   followed above. Kernels: red positive, blue negative, each row of kernels with its own
#|   colour bar; feature maps in grey.
#| fig-alt: >-
#|   Rows of small 5 by 5 kernels in red and blue with a grey 24 by 24 feature map under each.
#|   The hand-made kernels are clean lines; the learned ones are blotchy patterns of positive
#|   and negative cells.
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
# The rule: each convolution or pooling layer adds (kernel size $-$ 1) $\times$ (how many
# image pixels one step on its input spans), and a stride of 2 doubles that step for every
# layer after it.
#
# ### Exercise 06-receptive-field
#
# A network applies `Conv2d` $3 \times 3$, then `MaxPool2d` $2 \times 2$ (stride 2), then
# three `Conv2d` $3 \times 3$ layers. How many pixels wide is the receptive field of one unit
# of its last layer? Work it out with the rule, then check.

# %%
answer = None  # a whole number of pixels
check_exercise("06-receptive-field", answer)

# %% [markdown]
# For our ConvNet, the package applies the same rule layer by layer:

# %% tags=["nbval-check-output"]
for field in receptive_fields(model):
    print(f"layer {field.layer:2} ({field.name:9}): {field.size} x {field.size} pixels")

# %% [markdown]
# The figure draws these fields on our image, one panel per pooling stage. In each panel the
# red square is the field of the top-left unit of that stage's output, and each yellow dot
# marks the centre of one unit's field: one dot per unit, so the dots show how the fields
# tile the image; a legend above the panels names both.

# %%
#| fig-cap: >-
#|   The receptive field of one unit after each pooling stage of the ConvNet, drawn on the
#|   image followed above: the red square is the top-left unit's field, and each yellow dot is
#|   the centre of one unit's field (legend above).
#| fig-alt: >-
#|   The image repeated once per pooling stage, each with a red square outlining one unit's
#|   receptive field and a grid of yellow dots, one at the centre of each unit's field, with a
#|   legend above; the square grows from a small patch to a 24 by
#|   24 region at the top left, and after the last stage the units together leave the bottom
#|   and right edges of the image uncovered.
plot_receptive_fields(model, image)

# %% [markdown]
# The field grows from $5 \times 5$ to most of the image: only the deepest layers can
# respond to a whole arrangement such as "thumb across the palm". The last panel holds a
# surprise. The third convolution leaves a $3 \times 3$ map, and a $2 \times 2$ pool with
# stride 2 fits only once into 3 rows ($\lfloor (3 - 2) / 2 \rfloor + 1 = 1$): it keeps the
# top-left $2 \times 2$ corner and drops the bottom row and right column. So the network's
# final features see only the top-left pixels counted in the last panel, and the last rows
# and columns of every image never reach the classifier. It is the kind of detail that a
# receptive-field calculation catches and a parameter count does not. We come back to it
# after the next experiment.
#
# ## Does it matter where the hand is?
#
# Logistic regression ties a weight to each pixel *position*; a convolution slides the same
# kernels everywhere, and pooling forgets small shifts. So a ConvNet should cope better when
# the images move a little. We test it: shift every validation image up to four pixels left
# (negative) or right (positive) in steps of two, filling with black, and measure the
# accuracy of the logistic baseline of notebook 02 and of the ConvNet.

# %%
shifts = [-4, -2, 0, 2, 4]
baseline, _ = saved_model("LogisticRegression", device, data)
models = {"logistic": baseline, "ConvNet": model}
by_shift = {name: accuracy_under_shifts(m, X_val, y_val, shifts) for name, m in models.items()}

# %%
#| fig-cap: >-
#|   Validation accuracy of the logistic baseline and the ConvNet when every image is shifted
#|   up to 4 pixels left (negative) or right (positive), with one validation image at each shift.
#| fig-alt: >-
#|   Above, one validation image shown at each shift, moving left and right with a black strip
#|   growing on the other side. Below, a line chart of accuracy against shift in pixels with one
#|   line per model, each with its own colour and marker and a legend.
plot_shift_robustness(by_shift, example=X_val[0])


# %%
def share_kept(accuracy, shift):
    """The share of its unshifted accuracy that a model keeps at `shift` pixels."""
    return accuracy[shift] / accuracy[0] if accuracy[0] > 0 else float("nan")


kept = {name: share_kept(accuracy, 2) for name, accuracy in by_shift.items()}
for name, accuracy in by_shift.items():
    print(f"{name:8}: {accuracy[0]:.1%} unshifted, {accuracy[2]:.1%} shifted 2 px right")
check_claim(
    "shifted 2 pixels, the ConvNet keeps a larger share of its accuracy than logistic regression",
    kept["ConvNet"] > kept["logistic"],
    f"{kept['ConvNet']:.0%} against {kept['logistic']:.0%} of the unshifted accuracy",
)

# %% [markdown]
# Where the check holds, both models lose accuracy (pooling forgives only shifts of a pixel
# or two, and neither model saw shifted copies in training) but the ConvNet keeps a larger
# share of what it knew. Compare, too, the ConvNet's accuracy at the same distance left and
# right: content pushed right moves into the columns that the blind spot above never shows
# the classifier. (Training on randomly shifted copies, *data augmentation*, would help both
# models.)
#
# ## Padding: closing the blind spot
#
# The blind spot comes from an odd size: a $3 \times 3$ map does not split into $2 \times 2$
# tiles. **Padding** fixes that. With `padding=1` the last pool pads its $3 \times 3$ input
# with one row and column on each side (with $-\infty$, so a padded value never wins the
# maximum); by the output-size formula of notebook 03 it then fits
# $\lfloor (3 + 2 - 2) / 2 \rfloor + 1 = 2$ tiles per side, which together cover all three
# rows and columns. The output is $2 \times 2$ per channel, so the final linear layer gets
# $50 \times 2 \times 2 = 200$ inputs. Everything else stays as in the ConvNet:


# %%
class PaddedConvNet(ConvNet):
    """The ConvNet with a padded last pool, so that no row or column of its 3 x 3 map is dropped."""

    def __init__(self):
        super().__init__()
        self.pipeline[7] = nn.MaxPool2d(2, 2, padding=1)  # 3 x 3 -> 2 x 2, every row and column
        self.pipeline[10] = nn.Linear(50 * 2 * 2, 26)  # 50 channels x 2 x 2 features


torch.manual_seed(SEED)
padded = PaddedConvNet().to(device)
last = receptive_fields(padded)[-1]
seen = min(last.start + last.jump * (last.output_size - 1) + last.size, 28) - max(last.start, 0)
check_claim(
    "with the padded pool, the final features see every pixel",
    seen == 28,
    f"{seen} x {seen} of 28 x 28 pixels reach the classifier",
)

# %% [markdown]
# We train it exactly like the ConvNet (same seed, same settings; it takes about as long)
# and repeat the shift test:

# %%
padded_history = train(padded, *data, **CNN_SETTINGS)
by_shift["padded ConvNet"] = accuracy_under_shifts(padded, X_val, y_val, shifts)
for name in ("ConvNet", "padded ConvNet"):
    accuracy = by_shift[name]
    print(f"{name:15}: " + ", ".join(f"{s:+d} px {accuracy[s]:.1%}" for s in shifts))

# %%
stopped = " (its training was stopped early)" if padded_history.interrupted else ""
convnet, fixed = by_shift["ConvNet"], by_shift["padded ConvNet"]
check_claim(
    "seeing every pixel, the padded ConvNet is more accurate on the unshifted images",
    fixed[0] > convnet[0],
    f"{fixed[0]:.1%} against {convnet[0]:.1%}{stopped}",
)
check_claim(
    "shifted 2 pixels right, the padded ConvNet is more accurate too",
    fixed[2] > convnet[2],
    f"{fixed[2]:.1%} against {convnet[2]:.1%}{stopped}",
)

# %% [markdown]
# One padded pool and a larger final layer, and the columns that the ConvNet never saw now
# reach the classifier. Read the left shifts in the lines printed above too: there the padded
# ConvNet need not do better, and may do worse. Padding fixes what the network can *see*; it
# does not make the network robust to shifts it never met in training. That still takes data
# augmentation.
#
# ## Explore the layers
#
# Choose an image, a layer and a channel. The explorer starts on the image we followed
# above. (On the course website you see the starting view; open the notebook in Jupyter or
# Colab to use the controls.)

# %%
#| fig-cap: >-
#|   The activation explorer's starting view: the image followed above and one channel of the
#|   first layer's output.
#| fig-alt: >-
#|   Two panels: a greyscale image and, beside it, a grey feature map of the selected layer and
#|   channel, with a colour bar giving its highest and lowest value.
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
