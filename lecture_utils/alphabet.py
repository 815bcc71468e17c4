"""Letters of the alphabet as the data set numbers them (0 = A, ..., 25 = Z)."""

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
N_CLASSES = len(ALPHABET)
# J (9) and Z (25) need motion, so the data set has no images of them.
ABSENT_LETTERS = ("J", "Z")
