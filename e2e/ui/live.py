"""A run that stays live while the UI watches it (argv: project, run id, steps; 4 steps a second).

The SDK sends file_stream updates every 15 s, so a run of 40 s reaches the server in three pieces."""
import sys
import time

import wandb

project, run_id, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
run = wandb.init(project=project, id=run_id, name="live")
for step in range(steps):
    run.log({"live/value": step * step})
    print(f"live line {step}", flush=True)
    time.sleep(0.25)
run.finish()
