"""Logs one dataset version without a TTL of its own, then reads its TTL back through the public API. argv: entity, project."""
import sys

import wandb

entity, project = sys.argv[1], sys.argv[2]
run = wandb.init(entity=entity, project=project, name="after-default", job_type="export")
art = wandb.Artifact("fresh", type="dataset")
with art.new_file("rows.txt") as f:
    f.write("1\n2\n")
run.log_artifact(art)
art.wait()
run.finish()

ttl = wandb.Api().artifact(f"{entity}/{project}/fresh:v0").ttl
print(f"ttl_seconds={int(ttl.total_seconds()) if ttl is not None else 'none'}")
