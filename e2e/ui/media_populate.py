"""Logs one run with media for media.test.ts: an image over 4 steps, a histogram, a 120-row table with image
cells (two versions), and a table entry whose file is corrupt. Args: project. Prints the run id."""
import os
import sys

import wandb
from PIL import Image

project = sys.argv[1]
run = wandb.init(project=project, entity="admin", name="media-run")
for step in range(4):
    run.log({
        "examples/digit": wandb.Image(Image.new("RGB", (32, 32), (40 + step * 60, 90, 160)), caption=f"step {step}"),
        "grad": wandb.Histogram(np_histogram=([1 + step, 4, 9 - step, 2], [-1.0, -0.5, 0.0, 0.5, 1.0 + step])),
    }, step=step)
swatches = [wandb.Image(Image.new("RGB", (8, 8), c)) for c in [(230, 159, 0), (86, 180, 233), (0, 158, 115)]]
table = wandb.Table(columns=["id", "label", "score", "picture"])
for i in range(120):
    table.add_data(i, f"sample-{i}", (i * 37) % 120 / 10.0, swatches[i % 3])
run.log({"predictions": wandb.Table(columns=["id", "label", "score", "picture"], data=[[0, "draft", 0.0, None]])}, step=4)
run.log({"predictions": table}, step=5)
bad = os.path.join(run.dir, "media", "table", "broken.table.json")
os.makedirs(os.path.dirname(bad), exist_ok=True)
with open(bad, "w") as f:
    f.write('{"columns": ["a"], "data": [[1], [2, ')
run.save(bad, base_path=run.dir, policy="now")
run.log({"broken": {"_type": "table-file", "path": "media/table/broken.table.json"}}, step=6)
run.finish()
print(run.id)
