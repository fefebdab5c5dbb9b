"""Runs for live-charts.test.ts, logged with the real wandb SDK.

argv: mode project run_id [steps]
- static: a finished run with a noisy positive loss (smoothing and log scale change its drawing) and metric
  keys with unusual characters (`/`, spaces, unicode, dots).
- live: a run that logs one point every 0.25 s, sending file_stream and sampling system metrics every second,
  while the page watches.
"""
import math
import sys
import time

import wandb

mode, project, run_id = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "static":
    run = wandb.init(project=project, id=run_id, name=run_id)
    for step in range(400):
        run.log({
            "loss": math.exp(-step / 80) * (1 + 0.6 * math.sin(step * 1.7)) + 1e-3,
            "weird key/with space": step * 0.5,
            "ünïcode/σ-metric": math.sin(step / 10),
            "dots.in.key": step % 7,
            "a/b.c d/ü": -step,
        })
    run.finish()
else:
    steps = int(sys.argv[4])
    run = wandb.init(project=project, id=run_id, name=run_id, settings=wandb.Settings(x_file_stream_transmit_interval=1, x_stats_sampling_interval=1))
    for step in range(steps):
        run.log({"live/value": step * step})
        print(f"live line {step}", flush=True)
        time.sleep(0.25)
    run.finish()
