"""The lecture's training settings, defined once: notebooks, checks, checkpoints and benches read them.

Each is a plain dict of `train`'s keyword arguments, so a cell can pass it as
`train(model, train_data, val_data, **CNN_SETTINGS)` and print it to show the values.
"""

SEED = 0

# Notebook 02: the logistic-regression baseline, 30 epochs of plain SGD.
BASELINE_SETTINGS = {"epochs": 30, "lr": 0.001, "momentum": 0.0, "batch_size": 32, "seed": SEED}

# Notebooks 04 and 05: one epoch of SGD with momentum, for SmallConvNet and ConvNet alike.
CNN_SETTINGS = {"epochs": 1, "lr": 0.01, "momentum": 0.9, "batch_size": 32, "seed": SEED}

# Notebook 05's optional cell: the same, for longer.
LONGER_CNN_SETTINGS = {**CNN_SETTINGS, "epochs": 15}
