"""One small dataset artifact with no TTL, logged with the real wandb SDK, for the TTL editor test. argv: entity, project."""
import sys

import wandb

entity, project = sys.argv[1], sys.argv[2]
run = wandb.init(entity=entity, project=project, name="ttl-prep", job_type="prep")
art = wandb.Artifact("ttl-data", type="dataset")
with art.new_file("rows.txt") as f:
    f.write("a\nb\n")
run.log_artifact(art)
run.finish()
