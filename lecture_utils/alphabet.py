"""Letters of the alphabet as the data set numbers them (0 = A, ..., 25 = Z).

J (9) and Z (25) are signed with a movement, so the data set has no images of them; the
models still score all 26 letters, as in the lecture.
"""

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
N_CLASSES = len(ALPHABET)
