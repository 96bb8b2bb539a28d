"""Loss landscapes: the loss on a 2-D slice of weight space around a trained network, with
the filter-normalised random directions of Li et al., "Visualizing the Loss Landscape of
Neural Nets" (NeurIPS 2018), as in the course's first deck.

The recipe (:func:`loss_landscape`):

1. Train the model briefly on a seeded synthetic classification set sized to its input
   (:func:`synthetic_dataset`): Adam, mini-batches, a fixed number of steps.
2. Draw two Gaussian directions ``delta`` and ``eta`` with the shapes of the weights, and
   rescale each filter of each to the norm of the same filter of the trained weights
   (:func:`filter_normalized_direction`). A filter is one slice along a weight's first axis:
   one output map of a convolution, one neuron's row of a dense layer (the paper's rule).
   One-dimensional parameters (biases, batch-norm scales and shifts) get a zero direction
   (the ``biasbn`` choice of the authors' code), as do frozen parameters (LeNet-5's fixed
   RBF centres); batch-norm running statistics are buffers and never move.
3. Evaluate ``Z[i][j] = L(theta* + alpha_i delta + beta_j eta)`` on an n x n grid of
   ``alpha, beta`` in ``[-span, span]`` (:func:`loss_grid`): the mean cross-entropy over the
   whole training set, the model in eval mode (batch norm uses its running statistics,
   dropout is off), as the authors' code evaluates it.

Everything is float64 on one device (:mod:`grader.reference.device`). On the CPU a run is
deterministic for a seed (single-threaded: on a shared machine torch's thread pool makes
these small tensors slower, not faster); the data, the initial weights and the directions
are drawn on the CPU, so a GPU run starts from the same numbers. A ``seconds`` limit ends
training early by the clock, which no seed can repeat.

>>> result = loss_landscape("examples/specs/landscape-cnn.yaml", grid=5, steps=20)
>>> result.loss[2][2] == result.trained_loss    # the centre of an odd grid is theta*
True
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import UserError

__all__ = ["Landscape", "SCHEMA", "synthetic_dataset", "filter_normalized_direction",
           "loss_grid", "loss_landscape", "write_landscape", "plot_landscape"]

SCHEMA = "cnngrade-landscape/1"
"""The ``schema`` field of the JSON file beside each PNG."""

EXAMPLES = 256
"""Size of the synthetic training set (the grid's loss is the mean over all of it)."""
BATCH = 64
"""Mini-batch size of the training steps."""
LEARNING_RATE = 3e-3
"""Adam's step size."""
MAX_CLASSES = 10
"""A model with more outputs (ImageNet's 1000) is trained on its first 10 classes."""
MAX_GRID = 201
"""Largest grid side: n * n forward passes over the training set."""
_EVAL_CHUNK = 256   # examples per forward pass on the grid: bounds memory for big inputs
# Multiply-accumulates one run may cost (forward MACs per input x inputs processed). On the
# CPU about 8 minutes at the 2.3 GMAC/s measured on one lightly loaded core in float64
# (bench_landscape.py: 0.56 GMAC/s on 2 cores shared at load 8). The GPU figure assumes a
# data-centre GPU's float64 throughput; it has not been measured here (no GPU).
WORK_BUDGET = {"cpu": 1e12, "cuda": 1e15}


@dataclass(frozen=True)
class Landscape:
    """A computed loss landscape: the grid and everything needed to reproduce it."""

    model: str
    """The model name or the spec's file name."""
    input_shape: tuple[int, ...]
    """Input without the batch: (C, H, W), (C, L), (C, D, H, W) or (D,)."""
    classes: int
    """Classes of the synthetic data (the model's outputs, at most :data:`MAX_CLASSES`)."""
    parameters: int
    """Trainable parameters (the dimension of the weight space being sliced)."""
    seed: int
    """The seed of the run; the data, initial weights and directions are drawn from it."""
    direction_seed: int
    """Seed of the generator that drew ``delta`` then ``eta`` (derived from ``seed``)."""
    steps: int
    """Training steps taken (fewer than asked when ``seconds`` ran out)."""
    span: float
    """The grid covers ``alpha, beta`` in ``[-span, span]``."""
    alphas: tuple[float, ...]
    """Coefficients of ``delta`` (x axis of the plot)."""
    betas: tuple[float, ...]
    """Coefficients of ``eta`` (y axis of the plot)."""
    loss: tuple[tuple[float | None, ...], ...]
    """``loss[i][j] = L(theta* + alphas[i] delta + betas[j] eta)``; ``None`` where it is not
    finite."""
    trained_loss: float
    """``L(theta*)``: the loss at the trained weights, the grid's centre."""
    train_accuracy: float
    """Fraction of the training set the trained model classifies right."""
    device: str
    """Where it was computed (``cpu``, ``cuda:0``...)."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds: ``train_s``, ``grid_s`` and ``total_s`` (model and data included)."""
    method: dict[str, Any] = field(default_factory=dict)
    """How: optimiser, batch, examples, directions' distribution and normalisation, loss."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (lists for tuples), with the :data:`SCHEMA` tag."""
        out = {"schema": SCHEMA, **asdict(self)}
        out["input_shape"] = list(self.input_shape)
        out["alphas"], out["betas"] = list(self.alphas), list(self.betas)
        out["loss"] = [list(row) for row in self.loss]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Landscape:
        """The landscape of a dict from :meth:`to_dict` (or its JSON file); other keys, such as
        the ``image`` :func:`write_landscape` adds, are ignored."""
        if data.get("schema") != SCHEMA:
            raise UserError(f"not a cnngrade landscape (schema {data.get('schema')!r}, "
                            f"expected {SCHEMA!r})")
        names = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in names}
        values["input_shape"] = tuple(values["input_shape"])
        values["alphas"], values["betas"] = tuple(values["alphas"]), tuple(values["betas"])
        values["loss"] = tuple(tuple(row) for row in values["loss"])
        return cls(**values)


# --- the pieces ----------------------------------------------------------------------------


def synthetic_dataset(input_shape: Sequence[int], classes: int, *, examples: int = EXAMPLES,
                      seed: int = 0):
    """A seeded classification set ``(x, y)`` shaped for a model's input (float64, CPU).

    - ``input_shape``: (C, H, W) gives stripes, one orientation per class (``pi c / classes``,
      3 cycles across the image) with a random phase per example, the same in every channel;
      (C, D, H, W) the same stripes, constant along D; (C, L) waves of one frequency per class
      (2 to 6 cycles); (D,) Gaussian blobs around one random centre per class.
    - ``classes``: labels are ``0 .. classes - 1``, balanced (``y = i mod classes``).

    Gaussian noise (standard deviation 1, the signal's amplitude) is added everywhere, so the
    classes overlap a little and a network has something to learn: the phase varies, so no
    single linear filter separates two orientations.
    """
    import torch

    from grader.reference.device import DTYPE

    g = torch.Generator().manual_seed(seed)
    y = torch.arange(examples) % classes
    shape = tuple(input_shape)
    noise = torch.randn((examples, *shape), generator=g, dtype=DTYPE)
    if len(shape) == 1:   # flat input: blobs
        centres = 1.5 * torch.randn((classes, shape[0]), generator=g, dtype=DTYPE)
        return centres[y] + noise, y
    spatial = shape[1:]
    phase = 2 * math.pi * torch.rand(examples, generator=g, dtype=DTYPE)
    # Cycles across the input along each spatial axis, per class.
    c = y.to(DTYPE)
    if len(spatial) == 1:
        cycles = [2 + 4 * c / max(classes - 1, 1)]
    else:
        angle = math.pi * c / classes
        cycles = [torch.zeros_like(c)] * (len(spatial) - 2) + [3 * torch.sin(angle),
                                                               3 * torch.cos(angle)]
    wave = phase.view(-1, *[1] * len(spatial))
    for axis, (size, k) in enumerate(zip(spatial, cycles)):
        position = torch.arange(size, dtype=DTYPE) / size
        view = [1] * len(spatial)
        view[axis] = size
        wave = wave + 2 * math.pi * k.view(-1, *[1] * len(spatial)) * position.view(view)
    signal = torch.sin(wave).unsqueeze(1)   # one channel axis, shared by every channel
    return signal + noise, y


def filter_normalized_direction(model, *, generator) -> list:
    """A random direction in ``model``'s weight space, filter-normalised (Li et al. 2018).

    - ``model``: a torch module; one tensor is returned per ``model.parameters()``, same shape.
    - ``generator``: a CPU ``torch.Generator`` the Gaussian entries are drawn from.

    Each filter ``d[k]`` (slice along the first axis) of a parameter with two or more axes is
    rescaled to ``||theta[k]||``, the norm of the same filter of the weights. Parameters with
    one axis (biases, batch norm) and frozen ones get zeros.
    """
    import torch

    directions = []
    for p in model.parameters():
        d = torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device)
        if p.dim() <= 1 or not p.requires_grad:
            directions.append(torch.zeros_like(p))
            continue
        filters, weights = d.flatten(1), p.detach().flatten(1)
        norms = filters.norm(dim=1)
        scale = weights.norm(dim=1) / torch.where(norms > 0, norms, 1.0)   # exact, no epsilon
        directions.append((filters * scale[:, None]).view_as(p))
    return directions


def loss_grid(model, x, y, *, directions: Sequence, alphas: Sequence[float],
              betas: Sequence[float], step: Callable[[], None] | None = None):
    """``Z[i][j] = L(theta + alphas[i] * directions[0] + betas[j] * directions[1])``, a numpy
    array (mean cross-entropy over ``(x, y)``, ``model`` in eval mode).

    - ``model``: its current parameters are ``theta``; they are restored on return.
    - ``directions``: two lists of tensors, one per ``model.parameters()``.
    - ``step``: called after each grid point (a progress bar).
    """
    import numpy as np
    import torch

    params = list(model.parameters())
    theta = [p.detach().clone() for p in params]
    delta, eta = directions
    grid = np.empty((len(alphas), len(betas)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for i, a in enumerate(alphas):
                for j, b in enumerate(betas):
                    for p, w, d, e in zip(params, theta, delta, eta):
                        p.copy_(w + a * d + b * e)
                    grid[i, j] = _mean_loss(model, x, y)
                    if step is not None:
                        step()
    finally:
        with torch.no_grad():
            for p, w in zip(params, theta):
                p.copy_(w)
        model.train(was_training)
    return grid


def _mean_loss(model, x, y, *, accuracy: bool = False):
    """Mean cross-entropy of ``model`` over ``(x, y)`` in chunks (and the accuracy)."""
    import torch.nn.functional as F

    total, right = 0.0, 0
    for start in range(0, len(x), _EVAL_CHUNK):
        scores = _class_scores(model, x[start:start + _EVAL_CHUNK])
        labels = y[start:start + _EVAL_CHUNK]
        total += F.cross_entropy(scores, labels, reduction="sum").item()
        right += int((scores.argmax(dim=1) == labels).sum())
    mean = total / len(x)
    return (mean, right / len(x)) if accuracy else mean


def _class_scores(model, x):
    """Logits of ``model`` for cross-entropy: a final softmax is undone by its log, and
    LeNet-5's RBF penalties (lower is better) are negated, which makes the cross-entropy
    the paper's discriminative criterion (LeCun et al. 1998, section II.C) without its
    rubbish-class term ``e^-j``."""
    import torch
    from torch import nn

    from grader.reference.models import EuclideanRBF

    out = model(x)
    last = model[-1] if isinstance(model, nn.Sequential) and len(model) else None
    if isinstance(last, nn.Softmax):
        return torch.log(out.clamp_min(torch.finfo(out.dtype).tiny))
    if isinstance(last, EuclideanRBF):
        return -out
    return out


def _train(model, x, y, *, steps: int, seconds: float | None, generator,
           step: Callable[[], None] | None) -> int:
    """Adam on shuffled mini-batches of ``(x, y)``; the number of steps taken."""
    import torch
    import torch.nn.functional as F

    optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad],
                                 lr=LEARNING_RATE)
    model.train()
    start, taken, order = time.perf_counter(), 0, torch.empty(0, dtype=torch.long)
    while taken < steps:
        if seconds is not None and time.perf_counter() - start >= seconds:
            break
        if len(order) < BATCH:   # a new epoch: a fresh permutation
            order = torch.randperm(len(x), generator=generator)
        batch, order = order[:BATCH].to(x.device), order[BATCH:]
        loss = F.cross_entropy(_class_scores(model, x[batch]), y[batch])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        taken += 1
        if step is not None:
            step()
    return taken


# --- the whole run ---------------------------------------------------------------------------


def loss_landscape(model_or_spec, *, out: str | os.PathLike | None = None,
                   input_shape: Sequence[int] | None = None, grid: int = 21, span: float = 1.0,
                   steps: int = 200, seconds: float | None = None, seed: int = 0,
                   device=None, progress: bool = False) -> Landscape:
    """Train a small network briefly and compute its loss landscape (Li et al. 2018).

    - ``model_or_spec``: a model name (``lenet5-d2l``, ``resnet20-cifar``...), a layer-spec
      file such as ``examples/specs/landscape-cnn.yaml``, a parsed spec (``dict``) or
      ``LayerSpec``, or a torch module
      (a copy is trained: the module passed keeps its weights). Its output must be a vector
      of class scores.
    - ``out``: a ``.png`` path: the plot is written there and the landscape as JSON beside it
      (same name, ``.json``), each atomically (needs matplotlib: ``cnngrade[landscape]``).
      Checked before any training, so a mistake costs nothing.
    - ``input_shape``: overrides the model's or the spec's input (C, H, W), e.g. a smaller
      image to make an ImageNet model affordable.
    - ``grid``: n, the grid's side (n * n evaluations; odd puts ``theta*`` at the centre).
    - ``span``: the grid covers ``[-span, span]`` along both directions.
    - ``steps`` / ``seconds``: training stops after ``steps`` Adam steps or ``seconds``
      seconds, whichever comes first (``seconds=None``: no clock; only then is a run exactly
      repeatable). ``steps=0`` shows the landscape at the initial weights.
    - ``seed``: draws the data, the initial weights, the batches and the directions.
    - ``device``: ``"auto"`` / ``None`` (CUDA when present), ``"cpu"``, ``"cuda"``...
    - ``progress``: a progress bar on stderr when it is a terminal.

    Raises ``UserError`` for a bad argument, an unknown model or spec, a model without a
    class-score output, or a run beyond :data:`WORK_BUDGET` for the device (an ImageNet model
    at 224 x 224 on a CPU: the message says how to make it smaller).
    """
    from grader.reference.spec import load_spec, parse_shape

    started = time.perf_counter()
    # Step 1: every argument checked before torch loads or anything trains.
    grid = _int_in("grid", grid, 2, MAX_GRID)
    steps = _int_in("steps", steps, 0, None)
    seed = _int_in("seed", seed, 0, None)
    span = _positive_number("span", span)
    seconds = None if seconds is None else _positive_number("seconds", seconds)
    out_png = None if out is None else _checked_out(out)
    input_shape = None if input_shape is None else parse_shape(input_shape)
    if isinstance(model_or_spec, (dict, list)) or (
            isinstance(model_or_spec, (str, Path))
            and Path(model_or_spec).suffix.lower() in (".yaml", ".yml", ".json")):
        # A spec is read and checked before torch loads: its mistakes show at once.
        model_or_spec = load_spec(model_or_spec, input_shape=input_shape)

    import numpy as np
    import torch

    from grader.reference.analysis import analyze
    from grader.reference.device import DTYPE, deterministic, resolve_device, single_threaded

    run_device = resolve_device(device)
    data_seed, init_seed, batch_seed, direction_seed = (
        int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(4))
    # Step 2: the model, first on the meta device (nothing allocated): its output and its cost.
    analysis = analyze(model_or_spec, input_shape=input_shape)
    label, shape = analysis.source, tuple(analysis.input_shape)
    classes = _classes(analysis)
    _check_budget(analysis, steps=steps, grid=grid, device=run_device)
    if not analysis.trainable_params:
        raise UserError(f"{label} has no trainable parameters: there is no landscape")
    if out_png is not None:   # now, not after a minute of training
        _require_matplotlib()
    threads = single_threaded() if run_device.type == "cpu" else contextlib.nullcontext()
    with threads, deterministic(seed=init_seed):
        # Built on the CPU, so every device starts from the same weights.
        model = _build(model_or_spec, shape).to(device=run_device, dtype=DTYPE)
        x, y = synthetic_dataset(shape, classes, seed=data_seed)
        x, y = x.to(run_device), y.to(run_device)
        with _Bar(enabled=progress, steps=steps, points=grid * grid) as bar:
            # Step 3: train.
            t0 = time.perf_counter()
            taken = _train(model, x, y, steps=steps, seconds=seconds,
                           generator=torch.Generator().manual_seed(batch_seed),
                           step=bar.trained)
            model.eval()
            with torch.no_grad():
                trained_loss, accuracy = _mean_loss(model, x, y, accuracy=True)
            train_s = time.perf_counter() - t0
            # Step 4: two filter-normalised directions, then the grid.
            bar.start_grid()
            generator = torch.Generator().manual_seed(direction_seed)
            directions = [filter_normalized_direction(model, generator=generator)
                          for _ in range(2)]
            axis = np.linspace(-span, span, grid)
            axis[np.isclose(axis, 0, atol=1e-12 * span)] = 0.0   # theta* exactly, not 1e-17
            t1 = time.perf_counter()
            z = loss_grid(model, x, y, directions=directions, alphas=axis, betas=axis,
                          step=bar.evaluated)
            grid_s = time.perf_counter() - t1
    result = Landscape(
        model=label, input_shape=shape, classes=classes, parameters=analysis.trainable_params,
        seed=seed, direction_seed=direction_seed, steps=taken, span=span,
        alphas=tuple(float(a) for a in axis), betas=tuple(float(b) for b in axis),
        loss=tuple(tuple(float(v) if math.isfinite(v) else None for v in row) for row in z),
        trained_loss=trained_loss, train_accuracy=accuracy, device=str(run_device),
        timings={"train_s": round(train_s, 3), "grid_s": round(grid_s, 3),
                 "total_s": round(time.perf_counter() - started, 3)},
        method={"optimizer": "adam", "learning_rate": LEARNING_RATE, "batch": BATCH,
                "examples": EXAMPLES, "steps_asked": steps, "seconds_limit": seconds,
                "dtype": str(DTYPE).removeprefix("torch."),
                "loss": "mean cross-entropy over the training set, eval mode",
                "directions": "gaussian, filter-normalised (Li et al. 2018); biases, "
                              "batch norm and frozen parameters not perturbed"},
    )
    if out_png is not None:
        write_landscape(result, out=out_png)
    return result


def _build(model_or_spec, shape):
    """The CPU module to train (a copy when ``model_or_spec`` is a module: the caller's
    weights stay as they were)."""
    import copy

    import torch
    from torch import nn

    from grader.reference.analysis import _resolve

    if isinstance(model_or_spec, nn.Module):
        return copy.deepcopy(model_or_spec).cpu()
    return _resolve(model_or_spec, shape, torch.device("cpu"))[0]


def _classes(analysis) -> int:
    """Classes of the synthetic set: the model's class scores, at most MAX_CLASSES."""
    out = tuple(analysis.output_shape)
    if len(out) != 1 or out[0] < 2:
        raise UserError(f"{analysis.source} must end with a vector of at least 2 class scores "
                        f"(a 'fc' layer), but its output has shape {'x'.join(map(str, out))}")
    return min(out[0], MAX_CLASSES)


def _check_budget(analysis, *, steps: int, grid: int, device) -> None:
    """UserError when the run would cost more multiply-accumulates than the device's budget."""
    per_input = analysis.total_macs
    # A training step costs about three forward passes (forward, two backward products).
    inputs = 3 * steps * BATCH + (grid * grid + 1) * EXAMPLES
    work, budget = per_input * inputs, WORK_BUDGET.get(device.type, WORK_BUDGET["cpu"])
    if work > budget:
        shape = "x".join(map(str, analysis.input_shape))
        raise UserError(
            f"{analysis.source} at {shape} costs {per_input:,} multiply-accumulates per input, "
            f"about {work:.1e} for this landscape ({steps} steps, a {grid}x{grid} grid), over "
            f"the {budget:.0e} a run may take on {device.type}; give a smaller --input "
            f"(e.g. 3,32,32), --grid or --steps" + (", or a GPU" if device.type == "cpu" else ""))


# --- validation --------------------------------------------------------------------------


def _int_in(name: str, value, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        rule = f"at least {low}" if high is None else f"from {low} to {high}"
        raise UserError(f"{name} must be {rule}, got {value}")
    return value


def _positive_number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or value <= 0:
        raise UserError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _checked_out(out) -> Path:
    """The output PNG path, refused now if it cannot be written later."""
    path = Path(out)
    if path.suffix.lower() != ".png":
        raise UserError(f"--out must name a .png file (the JSON goes beside it), got '{path}'")
    if path.is_dir():
        raise UserError(f"--out '{path}' is a folder; name a .png file in it")
    parent = next((p for p in [path.parent, *path.parent.parents] if p.exists()), Path("."))
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write '{path}': '{parent}' is not a writable folder")
    return path


def _require_matplotlib() -> None:
    import importlib.util

    try:
        found = importlib.util.find_spec("matplotlib") is not None
    except ValueError:   # imported already, but without a __spec__
        found = False
    if not found:
        raise UserError("writing the landscape's PNG needs matplotlib: "
                        "pip install 'cnngrade[landscape]'")


# --- output --------------------------------------------------------------------------------


def plot_landscape(landscape: Landscape):
    """A matplotlib ``Figure`` of the landscape: filled contours (log-scaled when the loss
    spans a factor 10 or more) with labelled lines, a colour bar, the trained weights marked
    at the centre (no pyplot state: it shows in a notebook and never opens a window)."""
    _require_matplotlib()
    import numpy as np
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.figure import Figure

    z = np.array([[np.nan if v is None else v for v in row] for row in landscape.loss]).T
    finite = z[np.isfinite(z)]
    low = max(float(finite.min()), 1e-12) if finite.size else 1e-12
    high = max(float(finite.max()) if finite.size else 1.0, low * (1 + 1e-6))
    log = high / low >= 10
    levels = np.geomspace(low, high, 16) if log else np.linspace(low, high, 16)
    norm = LogNorm(low, high) if log else Normalize(low, high)
    z = np.clip(np.where(np.isfinite(z), z, high), low, high)   # a non-finite point: the top

    fig = Figure(figsize=(6.4, 5.4), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    filled = ax.contourf(landscape.alphas, landscape.betas, z, levels=levels,
                         norm=norm, cmap="viridis", extend="neither")
    lines = ax.contour(landscape.alphas, landscape.betas, z, levels=levels[::3],
                       colors="white", linewidths=0.6, alpha=0.8)
    ax.clabel(lines, fmt="%.3g", fontsize=7)
    ax.plot([0], [0], marker="*", markersize=13, color="red", markeredgecolor="white",
            linestyle="none", label=f"trained weights (loss {landscape.trained_loss:.3g})")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.85)
    ax.set_aspect("equal")
    ax.set_xlabel(r"$\alpha$ along $\delta$ (filter-normalised random direction)")
    ax.set_ylabel(r"$\beta$ along $\eta$ (filter-normalised random direction)")
    ax.set_title(f"Loss landscape of {landscape.model}\n"
                 f"{landscape.parameters:,} parameters, {landscape.steps} Adam steps, "
                 f"train accuracy {landscape.train_accuracy:.0%}, seed {landscape.seed}",
                 fontsize=10)
    bar = fig.colorbar(filled, ax=ax, shrink=0.9)
    bar.set_label("training loss (mean cross-entropy" + (", log scale)" if log else ")"))
    bar.set_ticks([t for t in levels[::3]])
    bar.set_ticklabels([f"{t:.3g}" for t in levels[::3]])
    return fig


def write_landscape(landscape: Landscape, *, out: str | os.PathLike) -> tuple[Path, Path]:
    """Write the plot to ``out`` (a ``.png``) and the landscape as JSON beside it, each
    atomically (grader/files.py): a reader never sees half a file. Returns both paths."""
    import io

    from grader.files import write_atomic

    png = _checked_out(out)
    fig = plot_landscape(landscape)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    width, height = (int(round(v)) for v in fig.get_size_inches() * fig.dpi)
    record = landscape.to_dict()
    record["image"] = {"file": png.name, "width": width, "height": height}
    target = png.with_suffix(".json")
    try:
        write_atomic(target, json.dumps(record, indent=1) + "\n")
        write_atomic(png, buffer.getvalue())
    except OSError as exc:
        raise UserError(f"cannot write '{png}': {exc.strerror or exc}") from None
    return png, target


# --- progress ----------------------------------------------------------------------------


class _Bar:
    """Two rich bars on stderr (training steps, grid points) when it is a terminal;
    nothing otherwise (logs and CI stay clean)."""

    def __init__(self, *, enabled: bool, steps: int, points: int):
        self.enabled = enabled and sys.stderr.isatty()
        self.steps, self.points = steps, points
        self._bar = self._train = self._grid = None

    def __enter__(self) -> _Bar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._bar = Progress(TextColumn("{task.description:<9}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                                 TimeRemainingColumn(), console=Console(file=sys.stderr))
            self._bar.start()
            self._train = self._bar.add_task("training", total=self.steps)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def trained(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._train)

    def start_grid(self) -> None:
        if self._bar is not None:
            self._bar.update(self._train, total=self._bar.tasks[0].completed)
            self._grid = self._bar.add_task("loss grid", total=self.points)

    def evaluated(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._grid)
