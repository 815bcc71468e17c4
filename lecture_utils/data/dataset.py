"""What Sign Language MNIST is: its letters, image size, labels and files, in one place.

Another 28x28 data set means changing this file and `data/`, not models, figures or tests."""

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # class k is ALPHABET[k]: 0 = A, ..., 25 = Z
N_CLASSES = len(ALPHABET)  # the models score all 26 letters
IMAGE_SIZE = 28  # images are IMAGE_SIZE x IMAGE_SIZE grey levels
# J (9) and Z (25) are signed with a movement, so the data set has no images of them.
VALID_LABELS = tuple(k for k in range(N_CLASSES) if ALPHABET[k] not in "JZ")

SPLITS = ("train", "test")
SPLIT_SIZES = {"train": 27_455, "test": 7_172}  # images per split (the stand-in makes as many)
FILE_NAMES = {"train": "sign_mnist_train.csv", "test": "sign_mnist_test.csv"}
# The real files, pinned to one commit of the lecture notes and checked by their git blob ids.
PINNED_URL = (
    "https://raw.githubusercontent.com/PhilChodrow/ml-notes/"
    "c9c85efec8bc4fcdce1ab7863cd058cbc3c27a37/data/sign-language-mnist"
)
BLOB_IDS = {
    "train": "ac853c483879f6dc2d529d876f54a4d1c3c024b8",
    "test": "92d57ca6970e5e6dd8f09937798902fbb7ce4746",
}
