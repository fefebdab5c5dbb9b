"""Logs the artifacts the artifacts UI suite looks at, with the real wandb SDK.

argv: project, org, member_user_id, big_files. A dataset (two versions: text, an image and a W&B table) made
by `prep`; `train` uses dataset:latest and logs two model versions, each linked into the org's `model` registry
(collection `classifier`); v0 is promoted to `staging` through the SDK. The member is given the `member` role on
the registry (links and unprotected aliases, not `staging`/`production`). With big_files > 0, a `shards` artifact
of that many reference entries (nothing uploaded: the file tree is what is tested).
"""
import json
import struct
import sys
import zlib
from datetime import timedelta

import wandb

project, org, member_id, big_files = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small solid-colour PNG, written by hand (no imaging library in the SDK venv)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


for i in range(2):
    run = wandb.init(project=project, id=f"prep-{i}", name=f"prep-{i}", job_type="prep")
    art = wandb.Artifact("mnist", type="dataset", description=f"digits, cut {i}", metadata={"rows": 1000 + i, "source": "synthetic"})
    with art.new_file("data/train.csv") as f:
        f.write("label,pixels\n" + "".join(f"{n % 10},{n}\n" for n in range(200 + i)))
    with art.new_file("README.md") as f:
        f.write(f"# mnist cut {i}\nA tiny stand-in dataset.\n")
    with art.new_file("tables/sample.table.json") as f:
        f.write(json.dumps({"columns": ["label", "score"], "data": [[n, n / 10] for n in range(5)]}))
    with art.new_file("images/cat.png", mode="wb") as f:
        f.write(png(24, 16, (200, 80 + 60 * i, 40)))
    run.log_artifact(art, aliases=["cut-%d" % i])
    art.wait()
    run.finish()

run = wandb.init(project=project, id="train-run", name="train", job_type="train")
data = run.use_artifact("mnist:latest")
for i in range(2):
    model = wandb.Artifact("mnist-model", type="model", metadata={"accuracy": 0.9 + i / 100})
    with model.new_file("weights.txt") as f:
        f.write(f"weights {i}\n")
    model.ttl = timedelta(days=30)
    run.log_artifact(model)
    model.wait()
    run.link_artifact(model, f"{org}/wandb-registry-model/classifier")
run.finish()

api = wandb.Api()
staged = api.artifact(f"{org}/wandb-registry-model/classifier:v0")
staged.aliases.append("staging")
staged.save()

registry = api.registry("model", organization=org)
registry.add_members(member_id)
registry.update_member(member_id, "member")

if big_files > 0:
    run = wandb.init(project=project, id="shards-run", name="shards", job_type="export")
    shards = wandb.Artifact("shards", type="dataset")
    for n in range(big_files):
        shards.add_reference(f"https://example.invalid/shards/{n:06d}.bin", name=f"shards/{n:06d}.bin", checksum=False)
    run.log_artifact(shards)
    shards.wait()
    run.finish()
print("populated")
