"""Logs what artifacts-extra.test.ts looks at, with the real wandb SDK. argv: org, team.

- zip-proj/bundle:v0: a few files in folders and one http reference entry (nothing fetched, checksum off);
- grow-proj/growth: v0 (4000 bytes, 1-day TTL) then v1 (1000 other bytes, no TTL), for the storage growth chart;
- reg-proj/cls-model: three versions with metadata (accuracy, framework), each linked into the org's `model`
  registry as collection `metrics-cls`;
- <team>/team-proj/early:v0: a version with no TTL of its own in a team project (an organization default reaches it).
"""
import sys
from datetime import timedelta

import wandb

org, team = sys.argv[1], sys.argv[2]

run = wandb.init(project="zip-proj", name="bundle-run", job_type="export")
bundle = wandb.Artifact("bundle", type="dataset")
with bundle.new_file("a.txt") as f:
    f.write("alpha\n")
with bundle.new_file("nested/deeper/b.csv") as f:
    f.write("x,y\n" + "".join(f"{n},{n * n}\n" for n in range(300)))
with bundle.new_file("bin/blob.bin", mode="wb") as f:
    f.write(bytes(range(256)) * 40)
bundle.add_reference("https://example.invalid/remote/big.bin", name="remote/big.bin", checksum=False)
run.log_artifact(bundle)
bundle.wait()
run.finish()

run = wandb.init(project="grow-proj", name="grow-run", job_type="export")
for i, (size, ttl) in enumerate([(4000, timedelta(days=1)), (1000, None)]):
    art = wandb.Artifact("growth", type="dataset")
    with art.new_file(f"part-{i}.bin", mode="wb") as f:
        f.write(bytes([65 + i]) * size)
    if ttl is not None:
        art.ttl = ttl
    run.log_artifact(art)
    art.wait()
run.finish()

run = wandb.init(project="reg-proj", name="train-cls", job_type="train")
for i, (accuracy, framework) in enumerate([(0.85, "torch"), (0.95, "torch"), (0.97, "jax")]):
    model = wandb.Artifact("cls-model", type="model", metadata={"accuracy": accuracy, "framework": framework})
    with model.new_file("weights.txt") as f:
        f.write(f"weights {i}\n")
    run.log_artifact(model)
    model.wait()
    run.link_artifact(model, f"{org}/wandb-registry-model/metrics-cls")
run.finish()
run = wandb.init(entity=team, project="team-proj", name="early-run", job_type="export")
early = wandb.Artifact("early", type="dataset")
with early.new_file("rows.txt") as f:
    f.write("early\n")
run.log_artifact(early)
early.wait()
run.finish()
print("populated")
