"""Time of ``cnngrade landscape`` on the shipped spec (run by hand; not a test).

    python benchmarks/bench_landscape.py [--repeat 3] [--device cpu] [--json]

Measures ``cnngrade landscape examples/specs/landscape-cnn.yaml --out TMP/ls.png`` as a fresh
process (torch and matplotlib imports, training, the 21x21 grid and the PNG included), the
median of ``--repeat`` runs, with the training and grid seconds the JSON records, and the
multiply-accumulates per second the run sustained (what ``WORK_BUDGET`` in
``grader/reference/landscape.py`` is sized by). Needs matplotlib (``cnngrade[landscape]``).

Target: under a minute on the development machine (2 cores, no GPU).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.reference import landscape  # noqa: E402
from grader.reference.analysis import analyze  # noqa: E402

SPEC = ROOT / "examples" / "specs" / "landscape-cnn.yaml"
TARGET_S = 60.0


def one_run(device: str, folder: Path) -> tuple[float, dict]:
    """(wall seconds of a fresh ``cnngrade landscape`` process, the JSON it wrote)."""
    out = folder / "ls.png"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "landscape", str(SPEC), "--out",
                           str(out), "--device", device, "--quiet"],
                          capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"cnngrade landscape failed: {proc.stderr.strip()}")
    return wall, json.loads(out.with_suffix(".json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (median)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [one_run(args.device, Path(tmp)) for _ in range(args.repeat)]
    walls = sorted(w for w, _ in runs)
    record = runs[0][1]
    train_s = statistics.median(r["timings"]["train_s"] for _, r in runs)
    grid_s = statistics.median(r["timings"]["grid_s"] for _, r in runs)
    grid = len(record["alphas"])
    per_input = analyze(SPEC).total_macs
    # The same count the budget check makes: 3 passes per training example, 1 per grid point.
    work = per_input * (3 * record["steps"] * landscape.BATCH + (grid * grid + 1) * landscape.EXAMPLES)
    figures = {
        "spec": SPEC.name, "device": record["device"], "grid": grid, "steps": record["steps"],
        "parameters": record["parameters"], "trained_loss": record["trained_loss"],
        "wall_median_s": round(statistics.median(walls), 2), "wall_min_s": round(walls[0], 2),
        "wall_max_s": round(walls[-1], 2), "train_median_s": train_s, "grid_median_s": grid_s,
        "macs_per_second": round(work / (train_s + grid_s)),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    ok = "met" if figures["wall_median_s"] < TARGET_S else "MISSED"
    print(f"cnngrade landscape {SPEC.name} ({grid}x{grid} grid, {record['steps']} steps, "
          f"{record['device']}): median {figures['wall_median_s']} s (min {figures['wall_min_s']}, "
          f"max {figures['wall_max_s']}) per fresh process  [target < {TARGET_S:.0f} s: {ok}]")
    print(f"of which training {train_s:.1f} s and the grid {grid_s:.1f} s (medians); "
          f"{figures['macs_per_second'] / 1e9:.2f} GMAC/s sustained")
    print(f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after; "
          f"{os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
