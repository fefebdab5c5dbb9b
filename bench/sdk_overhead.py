"""Benchmark (a) of the history issue: what logging to Cairn costs a training script.

Runs the same script (STEPS steps x METRICS metrics, no sleeps) with WANDB_MODE=offline and online
against a Cairn server, and prints wall times and the ratio online/offline (target <= 1.05).

Usage: python bench/sdk_overhead.py --url http://localhost:8080 --key <api key> [--steps 20000 --metrics 50]
(run with the Python of a venv that has wandb, e.g. .venv-e2e/wandb-0.31.0/bin/python)
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

SCRIPT = """
import wandb
run = wandb.init(project="sdk-overhead", config={{"steps": {steps}}})
metrics = [f"m{{i}}" for i in range({metrics})]
for step in range({steps}):
    run.log({{m: (step * 0.001 + j) for j, m in enumerate(metrics)}})
run.finish()
"""


def timed(env: dict, steps: int, metrics: int) -> float:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "train.py")
        with open(path, "w") as f:
            f.write(SCRIPT.format(steps=steps, metrics=metrics))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, path], cwd=d, check=True, capture_output=True,
                       env={**os.environ, "WANDB_DIR": d, "WANDB_SILENT": "true", **env})
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--metrics", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--label", default="Cairn")
    a = ap.parse_args()
    offline, online = [], []
    for _ in range(a.repeat):  # interleaved, so drift in machine load hits both alike
        offline.append(timed({"WANDB_MODE": "offline"}, a.steps, a.metrics))
        online.append(timed({"WANDB_MODE": "online", "WANDB_BASE_URL": a.url, "WANDB_API_KEY": a.key}, a.steps, a.metrics))
    off, on = sorted(offline)[len(offline) // 2], sorted(online)[len(online) // 2]
    print(f"{a.steps} steps x {a.metrics} metrics, median of {a.repeat}: offline {off:.2f} s, online ({a.label}) {on:.2f} s, "
          f"ratio {on / off:.3f}")


if __name__ == "__main__":
    main()
