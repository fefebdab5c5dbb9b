"""A run that stays live while the UI watches it (argv: project, run id, steps). Streams every half second."""
import sys
import time

import wandb

project, run_id, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
run = wandb.init(project=project, id=run_id, name="live",
                 settings=wandb.Settings(x_file_stream_transmit_interval=0.5))
for step in range(steps):
    run.log({"live/value": step * step})
    print(f"live line {step}", flush=True)
    time.sleep(0.25)
run.finish()
