import pytest
import torch

from lecture_utils.device import default_device, model_device


@pytest.fixture
def no_accelerators(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.delenv("LECTURE_DEVICE", raising=False)


def test_without_accelerators_the_cpu_is_chosen(no_accelerators):
    assert default_device() == torch.device("cpu")


def test_cuda_is_preferred_over_mps(monkeypatch):
    monkeypatch.delenv("LECTURE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert default_device() == torch.device("cuda")


def test_mps_is_chosen_when_there_is_no_cuda(no_accelerators, monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert default_device() == torch.device("mps")


def test_environment_variable_overrides_the_choice(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("LECTURE_DEVICE", "cpu")
    assert default_device() == torch.device("cpu")


@pytest.mark.parametrize("value", ["tpu", "cuda:", "cuda:x", "mps:0", "cpu:1"])
def test_a_device_name_that_is_not_one_names_the_variable_and_the_valid_ones(
    no_accelerators, monkeypatch, value
):
    monkeypatch.setenv("LECTURE_DEVICE", value)
    with pytest.raises(
        ValueError, match=rf"^LECTURE_DEVICE='{value}' is not a device name: use cpu, cuda, "
    ):
        default_device()


def test_unavailable_device_says_what_is_available(no_accelerators, monkeypatch):
    monkeypatch.setenv("LECTURE_DEVICE", "cuda")
    with pytest.raises(
        ValueError,
        match=r"^LECTURE_DEVICE='cuda' asks .* Available here: cpu\. Unset LECTURE_DEVICE",
    ):
        default_device()


@pytest.mark.cuda
def test_cuda_override_on_a_gpu_machine(monkeypatch):
    monkeypatch.setenv("LECTURE_DEVICE", "cuda:0")
    assert default_device() == torch.device("cuda:0")


def test_a_model_without_parameters_is_on_the_cpu():
    assert model_device(torch.nn.Flatten()) == torch.device("cpu")
