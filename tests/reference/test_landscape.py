"""Loss landscapes (Li et al. 2018): filter-normalised directions, the grid against losses
computed here by other means, determinism for a seed, the PNG and JSON files, and every user
mistake as one line with exit status 2. Real torch and tiny grids: a few seconds in all."""

import copy
import importlib.util
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cli import main
from grader.errors import UserError
from grader.reference.landscape import (Landscape, filter_normalized_direction, loss_grid,
                                        loss_landscape, synthetic_dataset)
from grader.reference.models import build_model
from grader.reference.spec import load_spec

SPEC = str(Path(__file__).resolve().parents[2] / "examples" / "specs" / "landscape-cnn.yaml")
needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="needs matplotlib (pip install 'cnngrade[landscape]')")
BN_SPEC = {"input": [2, 8, 8], "layers": [
    {"type": "conv", "filters": 4, "kernel": 3, "padding": 1, "bias": False},
    {"type": "batchnorm"}, {"type": "relu"}, {"type": "dropout", "p": 0.2},
    {"type": "fc", "outputs": 3}]}


def _cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy from its definition, in numpy: log-sum-exp minus the true score."""
    top = logits.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    return float(np.mean(log_norm - logits[np.arange(len(labels)), labels]))


def _small(**options):
    """A quick CPU landscape of the shipped spec."""
    return loss_landscape(SPEC, **{"grid": 5, "steps": 15, "device": "cpu", **options})


# --- directions ----------------------------------------------------------------------------


def test_filter_normalised_direction_has_the_weights_filter_norms():
    model = load_spec(BN_SPEC).to_model().double()
    direction = filter_normalized_direction(model, generator=torch.Generator().manual_seed(3))
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert [tuple(d.shape) for d in direction] == shapes
    checked = 0
    for p, d in zip(model.parameters(), direction):
        w, v = p.detach().numpy(), d.numpy()
        if w.ndim == 1:   # batch-norm scale and shift, the dense bias: not perturbed
            assert not v.any()
            continue
        for k in range(w.shape[0]):   # one conv output map, one dense neuron's row
            assert np.sqrt((v[k] ** 2).sum()) == pytest.approx(np.sqrt((w[k] ** 2).sum()),
                                                               rel=1e-12)
            checked += 1
        assert not np.allclose(v / np.abs(v).max(), w / np.abs(w).max())   # random, not w
    assert checked == 4 + 3


def test_frozen_parameters_get_no_direction():
    model = build_model("lenet5").double()   # the RBF centres are fixed (requires_grad False)
    direction = filter_normalized_direction(model, generator=torch.Generator().manual_seed(0))
    frozen = [d for p, d in zip(model.parameters(), direction) if not p.requires_grad]
    assert [tuple(d.shape) for d in frozen] == [(10, 84)] and not frozen[0].any()


def test_directions_depend_on_the_generator_only():
    model = load_spec(BN_SPEC).to_model().double()
    draw = [filter_normalized_direction(model, generator=torch.Generator().manual_seed(s))
            for s in (5, 5, 6)]
    assert all(torch.equal(a, b) for a, b in zip(draw[0], draw[1]))
    assert not torch.equal(draw[0][0], draw[2][0])


# --- the grid ------------------------------------------------------------------------------


def test_grid_points_equal_the_loss_of_the_perturbed_weights():
    model = load_spec(BN_SPEC).to_model().double()
    model.train()
    x = torch.randn((12, 2, 8, 8), generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    y = torch.arange(12) % 3
    g = torch.Generator().manual_seed(2)
    delta, eta = (filter_normalized_direction(model, generator=g) for _ in range(2))
    before = copy.deepcopy(model.state_dict())
    alphas, betas = [-0.5, 0.0, 1.0], [0.0, 0.25]
    z = loss_grid(model, x, y, directions=(delta, eta), alphas=alphas, betas=betas)
    assert z.shape == (3, 2)
    # Independently: the perturbed weights passed functionally, eval mode, numpy's loss.
    reference = copy.deepcopy(model).eval()
    names = [name for name, _ in reference.named_parameters()]
    for i, a in enumerate(alphas):
        for j, b in enumerate(betas):
            params = {n: p.detach() + a * d + b * e
                      for n, p, d, e in zip(names, reference.parameters(), delta, eta)}
            with torch.no_grad():
                logits = torch.func.functional_call(reference, params, (x,)).numpy()
            assert z[i, j] == pytest.approx(_cross_entropy(logits, y.numpy()), rel=1e-12)
    # The model comes back as it was: its weights and its training mode.
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert model.training


def test_softmax_and_rbf_outputs_are_scored_as_class_scores():
    g = torch.Generator().manual_seed(0)
    # A final softmax: the loss is the cross-entropy of the scores before it.
    model = load_spec({"input": [6], "layers": [{"type": "fc", "outputs": 3},
                                                {"type": "softmax"}]}).to_model().double()
    x, y = torch.randn((9, 6), generator=g, dtype=torch.float64), torch.arange(9) % 3
    directions = [filter_normalized_direction(model, generator=g) for _ in range(2)]
    z = loss_grid(model, x, y, directions=directions, alphas=[0.0], betas=[0.0])
    with torch.no_grad():
        logits = model[:-1](x).numpy()
    assert z[0, 0] == pytest.approx(_cross_entropy(logits, y.numpy()), rel=1e-12)
    # LeNet-5's RBF outputs are penalties: lower means more likely, so the scores are -y.
    lenet = build_model("lenet5").double().eval()
    x, y = torch.randn((4, 1, 32, 32), generator=g, dtype=torch.float64), torch.arange(4)
    directions = [filter_normalized_direction(lenet, generator=g) for _ in range(2)]
    z = loss_grid(lenet, x, y, directions=directions, alphas=[0.0], betas=[0.0])
    with torch.no_grad():
        penalties = lenet(x).numpy()
    assert z[0, 0] == pytest.approx(_cross_entropy(-penalties, y.numpy()), rel=1e-12)


def test_centre_of_an_odd_grid_is_the_trained_loss():
    result = _small()
    assert len(result.alphas) == len(result.betas) == 5
    assert result.alphas[2] == result.betas[2] == 0.0
    assert result.alphas[0] == -1.0 and result.alphas[-1] == 1.0
    assert result.loss[2][2] == result.trained_loss
    assert result.steps == 15 and result.parameters == 2276 and result.classes == 4
    # Away from the trained weights the loss grows (a minimum, not a saddle, at the centre).
    assert result.loss[0][0] > result.trained_loss and result.loss[4][4] > result.trained_loss


def test_same_seed_same_grid_other_seed_other_grid():
    first, again, other = _small(seed=4), _small(seed=4), _small(seed=5)
    assert first.loss == again.loss and first.direction_seed == again.direction_seed
    assert first.trained_loss == again.trained_loss
    assert other.loss != first.loss and other.direction_seed != first.direction_seed


@pytest.mark.parametrize("spec", [
    {"input": [12], "layers": [{"type": "fc", "outputs": 8}, {"type": "tanh"},
                               {"type": "fc", "outputs": 3}]},
    {"input": [2, 40], "layers": [{"type": "conv1d", "filters": 4, "kernel": 5}, {"type": "relu"},
                                  {"type": "globalavgpool"}, {"type": "fc", "outputs": 3}]},
])
def test_flat_and_one_dimensional_inputs(spec):
    result = loss_landscape(spec, grid=3, steps=10, device="cpu")
    assert result.input_shape == tuple(spec["input"]) and result.classes == 3
    assert result.loss[1][1] == result.trained_loss
    assert all(v is not None for row in result.loss for v in row)


def test_a_module_passed_in_keeps_its_weights():
    model = load_spec(BN_SPEC).to_model().double()
    before = copy.deepcopy(model.state_dict())
    result = loss_landscape(model, grid=3, steps=5, device="cpu")
    assert result.model == "Sequential" and result.input_shape == (2, 8, 8)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_seconds_limit_stops_training_early():
    result = _small(steps=10_000, seconds=1e-9, grid=3)
    assert result.steps == 0 and result.method["steps_asked"] == 10_000


# --- the synthetic data ----------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 16, 16), (3, 8, 12), (2, 30), (1, 4, 8, 8), (10,)])
def test_synthetic_dataset_shapes_and_balanced_labels(shape):
    x, y = synthetic_dataset(shape, 4, examples=40, seed=0)
    assert tuple(x.shape) == (40, *shape) and x.dtype == torch.float64
    assert np.bincount(y.numpy()).tolist() == [10] * 4
    again, _ = synthetic_dataset(shape, 4, examples=40, seed=0)
    other, _ = synthetic_dataset(shape, 4, examples=40, seed=1)
    assert torch.equal(x, again) and not torch.equal(x, other)


def test_stripes_have_one_orientation_per_class():
    # 4 classes at 0, 45, 90, 135 degrees, 3 cycles across a 16x16 image: the power spectrum
    # of class 0 peaks at 3 cycles along the width, class 2 at 3 cycles along the height.
    x, y = synthetic_dataset((1, 16, 16), 4, examples=400, seed=0)
    x, y = x.numpy()[:, 0], y.numpy()
    for label, peak in ((0, (0, 3)), (2, (3, 0))):
        power = (np.abs(np.fft.fft2(x[y == label])) ** 2).mean(axis=0)
        power[0, 0] = 0
        assert np.unravel_index(power.argmax(), power.shape) in (peak, tuple(-v % 16 for v in peak))


# --- files ---------------------------------------------------------------------------------


def _png_chunks(data: bytes):
    """(type, payload) of every chunk, each CRC checked (PNG specification, section 5)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, payload = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert zlib.crc32(kind + payload) == crc, kind
        chunks.append((kind, payload))
        at += 12 + length
    return chunks


@needs_matplotlib
def test_png_is_valid_at_the_stated_size_and_json_round_trips(tmp_path):
    out = tmp_path / "plots" / "ls.png"
    result = _small(out=out)
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["schema"] == "cnngrade-landscape/1"
    assert Landscape.from_dict(record) == result
    chunks = _png_chunks(out.read_bytes())
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (width, height) == (record["image"]["width"], record["image"]["height"]) == (640, 540)
    # The pixels are all there: one filter byte plus a row of pixels per line.
    channels = {2: 3, 6: 4}[colour]
    pixels = zlib.decompress(b"".join(p for k, p in chunks if k == b"IDAT"))
    assert depth == 8 and len(pixels) == height * (1 + width * channels)
    assert out.stat().st_size < 200_000
    assert sorted(p.name for p in out.parent.iterdir()) == ["ls.json", "ls.png"]   # no temp


def test_json_of_another_tool_is_refused():
    with pytest.raises(UserError, match="not a cnngrade landscape"):
        Landscape.from_dict({"schema": "cnngrade-paper-exercise/1"})


def test_missing_matplotlib_is_one_line_before_any_training(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    with pytest.raises(UserError, match=r"pip install 'cnngrade\[landscape\]'"):
        loss_landscape(SPEC, out=tmp_path / "ls.png")
    assert list(tmp_path.iterdir()) == []


# --- the command -----------------------------------------------------------------------------


def run(*args):
    return CliRunner().invoke(main, ["landscape", *args])


@needs_matplotlib
def test_command_writes_the_png_and_json(tmp_path):
    out = tmp_path / "ls.png"
    result = run(SPEC, "--out", str(out), "--grid", "3", "--steps", "5", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output and f"wrote {out.with_suffix('.json')}" in result.output
    assert "landscape-cnn.yaml: 5 steps" in result.output and "3x3 grid" in result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_help_teaches_with_an_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "Li et al. 2018" in result.output
    assert "cnngrade landscape examples/specs/landscape-cnn.yaml --out landscape.png" in result.output


@pytest.mark.parametrize("args, message", [
    (["missing.yaml"], "spec file 'missing.yaml' does not exist"),
    (["resnet-18"], "unknown model 'resnet-18'"),
    ([SPEC, "--grid", "1"], "grid must be from 2 to 201, got 1"),
    ([SPEC, "--span", "0"], "span must be a positive number, got 0.0"),
    ([SPEC, "--steps", "-1"], "steps must be at least 0, got -1"),
    ([SPEC, "--device", "tpu"], "unknown device 'tpu'"),
    ([SPEC, "--out", "ls.jpg"], "--out must name a .png file"),
    ([SPEC, "--input", "1,2,2"], "layer 6 (maxpool): kernel size 2 is larger than the padded"),
    (["resnet50", "--device", "cpu"], "give a smaller --input (e.g. 3,32,32)"),
])
def test_user_mistakes_are_one_line_and_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert result.output.startswith("Error: ") and result.output.count("Error") == 1


def test_output_must_be_class_scores(tmp_path):
    spec = tmp_path / "no-head.yaml"
    spec.write_text("input: [1, 8, 8]\nlayers:\n  - {type: conv, filters: 2, kernel: 3}\n")
    result = run(str(spec))
    assert result.exit_code == 2
    assert "must end with a vector of at least 2 class scores" in result.output


def test_out_may_not_be_a_folder(tmp_path):
    folder = tmp_path / "x.png"
    folder.mkdir()
    result = run(SPEC, "--out", str(folder))
    assert result.exit_code == 2 and "is a folder" in result.output


# --- GPU -----------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_landscape_matches_the_cpu_one():
    gpu, cpu = _small(device="cuda"), _small(device="cpu")
    assert gpu.device.startswith("cuda") and gpu.loss[2][2] == gpu.trained_loss
    np.testing.assert_allclose(np.array(gpu.loss), np.array(cpu.loss), rtol=1e-6)
