"""Speed of the model analysis behind ``cnngrade inspect`` (run by hand; not a test).

    python benchmarks/bench_inspect.py [--repeat 5] [--specs 1000] [--json]

Measures, in this process:

1. ``analyze("resnet152")`` at 3x224x224 on the meta device: the first call (which pays
   torch's one-time lazy imports of its meta kernels) and the median of ``--repeat`` warm
   calls; then ``cnngrade inspect resnet152 --json`` as a fresh process (torch import
   included), for what a user waits;
2. ``load_spec`` + ``analyze`` of ``--specs`` random valid layer specs (seeded);
3. a real float32 forward pass of ResNet-152 at 1x3x224x224 on the CPU (model built
   beforehand, median of ``--repeat``), for the ratio.

Targets: ResNet-152 analysed in under 0.5 s, and at least 10x faster than the forward pass.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from grader.reference.analysis import analyze  # noqa: E402
from grader.reference.models import build_model  # noqa: E402
from grader.reference.spec import load_spec  # noqa: E402

TARGET_RESNET152_S = 0.5
TARGET_RATIO = 10.0


def random_spec(rng: random.Random) -> dict:
    """A valid random stack: conv/pool layers that always fit, activations, then fc layers."""
    c, h, w = rng.randint(1, 8), rng.randint(16, 128), rng.randint(16, 128)
    layers, shape = [], (c, h, w)
    for _ in range(rng.randint(2, 12)):
        kind = rng.choice(["conv", "conv", "maxpool", "avgpool", "relu", "batchnorm", "dropout"])
        if kind in ("relu", "batchnorm", "dropout"):
            layers.append({"type": kind})
            continue
        k = (rng.randint(1, 7), rng.randint(1, 7))
        s = (rng.randint(1, 3), rng.randint(1, 3))
        pad = (rng.randint(0, k[0] // 2), rng.randint(0, k[1] // 2))
        hh, ww = shape[1] + 2 * pad[0], shape[2] + 2 * pad[1]
        if k[0] > hh or k[1] > ww:
            continue
        out = ((hh - k[0]) // s[0] + 1, (ww - k[1]) // s[1] + 1)
        if kind == "conv":
            f = rng.randint(1, 64)
            layers.append({"type": "conv", "filters": f, "kernel": list(k), "stride": list(s),
                           "padding": list(pad)})
            shape = (f, *out)
        else:
            layers.append({"type": kind, "kernel": list(k), "stride": list(s),
                           "padding": list(pad)})
            shape = (shape[0], *out)
    for _ in range(rng.randint(1, 3)):
        layers.append({"type": "fc", "outputs": rng.randint(1, 256)})
    return {"input": [c, h, w], "layers": layers}


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions (median)")
    parser.add_argument("--specs", type=int, default=1000, help="random layer specs to analyse")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    # 1. ResNet-152 analysis: first call, then warm calls.
    start = time.perf_counter()
    first = analyze("resnet152")
    first_s = time.perf_counter() - start
    assert first.total_params == 60_192_808
    warm_s = median_time(lambda: analyze("resnet152"), args.repeat)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "inspect", "resnet152", "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    cli_s = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr

    # 2. Random layer specs (validation + meta pass each).
    rng = random.Random(0)
    docs = [random_spec(rng) for _ in range(args.specs)]
    start = time.perf_counter()
    layers = 0
    for doc in docs:
        layers += len(analyze(load_spec(doc)).layers)
    specs_s = time.perf_counter() - start

    # 3. A real forward pass for comparison (the weights are built outside the timing).
    model = build_model("resnet152").eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        model(x)   # warm-up
        forward_s = median_time(lambda: model(x), args.repeat)

    figures = {
        "resnet152_analysis_first_call_s": round(first_s, 3),
        "resnet152_analysis_warm_median_s": round(warm_s, 3),
        "resnet152_cli_process_s": round(cli_s, 3),
        "random_specs": args.specs,
        "random_specs_layers": layers,
        "random_specs_total_s": round(specs_s, 3),
        "random_specs_per_spec_ms": round(1000 * specs_s / args.specs, 2),
        "resnet152_forward_224_median_s": round(forward_s, 3),
        "forward_over_analysis_ratio": round(forward_s / warm_s, 1),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    ok = "met" if warm_s < TARGET_RESNET152_S else "MISSED"
    ratio_ok = "met" if forward_s / warm_s >= TARGET_RATIO else "MISSED"
    print(f"ResNet-152 analysis (meta, 3x224x224): first call {first_s:.3f} s, warm median "
          f"{warm_s:.3f} s  [target < {TARGET_RESNET152_S} s: {ok}]")
    print(f"`cnngrade inspect resnet152 --json` as a fresh process: {cli_s:.2f} s "
          "(torch import included)")
    print(f"{args.specs} random layer specs ({layers} layers): {specs_s:.2f} s, "
          f"{1000 * specs_s / args.specs:.2f} ms per spec")
    print(f"ResNet-152 real forward pass (CPU, float32, 1x3x224x224): median {forward_s:.3f} s; "
          f"{forward_s / warm_s:.1f}x the analysis  [target >= {TARGET_RATIO:.0f}x: {ratio_ok}]")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
