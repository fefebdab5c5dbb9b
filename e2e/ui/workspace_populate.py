"""Logs the runs workspace-table.test.ts works on: four runs with different configs, groups, job types and tags,
one with 300 extra config keys (column picker search) and a text file (files tab), one that logs an artifact
the next one uses. Args: project. Prints one JSON line: {display name: run id}."""
import json
import os
import sys

import wandb

project = sys.argv[1]
specs = [
    ("alpha", {"lr": 0.1, "optimizer": "adam", "batch_size": 32}, "sweep-a", "train", ["baseline"]),
    ("bravo", {"lr": 0.01, "optimizer": "adam", "batch_size": 64}, "sweep-a", "train", ["tuned"]),
    ("charlie", {"lr": 0.1, "optimizer": "sgd", "batch_size": 32}, "sweep-b", "eval", ["baseline"]),
    ("delta", {"lr": 0.001, "optimizer": "sgd", "batch_size": 128}, "sweep-b", "train", []),
]
ids = {}
for i, (name, config, group, job_type, tags) in enumerate(specs):
    if name == "alpha":
        config = {**config, **{f"hp_{k:03d}": k for k in range(300)}}
    run = wandb.init(project=project, entity="admin", name=name, config=config, group=group, job_type=job_type, tags=tags)
    for step in range(5):
        run.log({"loss": (i + 1) / (step + 1), "val/acc": 0.5 + step * 0.1 * (i + 1) / 4}, step=step)
    run.summary["best_acc"] = 0.6 + i * 0.1
    if name == "alpha":
        path = os.path.join(run.dir, "notes", "readme.txt")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("hello from alpha\nsecond line\n")
        run.save(path, base_path=run.dir, policy="now")
        art = wandb.Artifact("dataset", type="dataset")
        with art.new_file("data.txt") as f:
            f.write("1,2,3\n")
        run.log_artifact(art)
    if name == "bravo":
        run.use_artifact("dataset:latest")
    run.finish()
    ids[name] = run.id
print(json.dumps(ids))
