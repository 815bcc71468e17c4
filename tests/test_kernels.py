import torch

from lecture_utils.kernels import KERNEL_NAMES, apply_kernels, line_kernels


def test_line_kernels_are_four_zero_sum_5x5_kernels():
    kernels = line_kernels()
    assert kernels.shape == (4, 5, 5)
    assert len(KERNEL_NAMES) == 4
    assert torch.equal(kernels.sum(dim=(1, 2)), torch.zeros(4))
    vertical, horizontal, down, up = kernels
    assert torch.equal(vertical[:, 2], torch.full((5,), 4.0))
    assert torch.equal(horizontal, vertical.T)
    assert torch.equal(down.diagonal(), torch.full((5,), 4.0))
    assert torch.equal(up, down.flip(1))


def test_valid_convolution_of_28x28_images_gives_24x24_maps():
    maps = apply_kernels(torch.rand(3, 1, 28, 28), line_kernels())
    assert maps.shape == (3, 4, 24, 24)


def test_worked_example_gives_19_at_the_first_position():
    image = torch.arange(9.0).reshape(1, 1, 3, 3)
    kernel = torch.arange(4.0).reshape(2, 2)
    result = apply_kernels(image, kernel)
    assert result[0, 0].tolist() == [[19.0, 25.0], [37.0, 43.0]]


def test_each_line_kernel_responds_most_to_its_own_direction():
    lines = torch.zeros(4, 1, 28, 28)
    lines[0, 0, :, 14] = 1  # vertical
    lines[1, 0, 14, :] = 1  # horizontal
    lines[2, 0] = torch.eye(28)  # diagonal down (top-left to bottom-right)
    lines[3, 0] = torch.eye(28).flip(1)  # diagonal up
    peak = apply_kernels(lines, line_kernels()).amax(dim=(2, 3))  # (image, kernel)
    assert torch.equal(peak.argmax(dim=1), torch.arange(4))


def test_kernels_are_moved_to_the_images_dtype():
    maps = apply_kernels(torch.rand(1, 1, 28, 28, dtype=torch.float64), line_kernels())
    assert maps.dtype == torch.float64


def test_convolution_matrix_times_the_flat_image_equals_the_convolution():
    from lecture_utils.kernels import convolution_matrix

    kernel = torch.randn(3, 3)
    image = torch.randn(1, 1, 6, 6)
    matrix = convolution_matrix(kernel, 6)
    assert matrix.shape == (16, 36)
    assert torch.allclose(
        matrix @ image.flatten(), apply_kernels(image, kernel).flatten(), atol=1e-6
    )
