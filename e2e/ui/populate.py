"""Logs the runs the UI suite looks at, with the real wandb SDK (argv: project, other_project)."""
import math
import sys

import wandb

project, other_project = sys.argv[1], sys.argv[2]

# Three finished runs: different learning rates, so sorting by config or summary gives a known order.
for i, (name, lr) in enumerate([("alpha", 0.1), ("beta", 0.01), ("gamma", 0.001)]):
    run = wandb.init(project=project, id=f"{name}-run", name=name, group="sweep-a", job_type="train",
                     tags=["base"] if i < 2 else ["exp"], notes=f"{name} notes",
                     config={"lr": lr, "optimizer": "adam", "layers": i + 2})
    for step in range(300):
        loss = (1 + i) / (1 + step * lr * 10)
        if name == "alpha" and step == 150:
            loss = 50.0  # a spike the min/max band must keep
        run.log({
            "train/loss": loss,
            "train/acc": 1 - loss / 10,
            "val/loss": loss * 1.1,
            "weird key/with space": step * lr,
            "ünïcode/σ-metric": math.sin(step / 10),
            "dots.in.key": step % 7,
        })
    print(f"\x1b[32mtraining done\x1b[0m for \x1b[1m{name}\x1b[0m")
    print(f"warning from {name} on stderr", file=sys.stderr)
    if name == "alpha":
        print("HUGE:" + "x" * 50_000)
    run.summary["best_acc"] = 0.5 + i / 10
    run.finish()

# A project of its own, to check the projects list and deep links.
run = wandb.init(project=other_project, id="solo-run", name="solo")
run.log({"m": 1})
run.finish()
