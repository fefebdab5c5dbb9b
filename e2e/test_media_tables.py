"""Run media with the real SDK: images across steps, a histogram, wandb.Table (with image cells, two versions,
200,000 rows) read back through the media API (/api/v1/media/...), paged, sorted and filtered on the server.

One SDK run per module (the 200k-row table takes a few seconds to log), shared by the tests.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import uuid

import pytest
import requests
from PIL import Image

from conftest import ADMIN_KEY

BIG_ROWS = 200_000

SCRIPT = """
import os, wandb
from PIL import Image as PImage
run = wandb.init(entity="admin", project={project!r}, id="media1")
for step in range(5):
    run.log({{
        "samples/img": wandb.Image(PImage.new("RGB", (16, 8), (step * 50, 10, 200)), caption=f"step {{step}}"),
        "weights": wandb.Histogram(np_histogram=([step, 1, 2 * step], [0.0, 1.0, 2.0, 3.0 + step])),
    }}, step=step)
t = wandb.Table(columns=["id", "label", "picture"])
for i in range(3):
    t.add_data(i, f"first-{{i}}", wandb.Image(PImage.new("RGB", (4, 4), (0, i * 80, 0))))
run.log({{"preds": t}}, step=5)
run.log({{"preds": wandb.Table(columns=["id", "label", "picture"], data=[[9, "second", None]])}}, step=6)
rows = [[i, f"item-{{i % 1000}}", (i * 7919) % 100000 / 100.0] for i in range({big_rows})]
# Table(data=rows) type-checks every row (about a minute here): type the columns from one row, then set them all.
big = wandb.Table(columns=["i", "name", "score"], data=rows[:1])
big.data = rows
run.log({{"big": big}}, step=7)
# A table entry whose file is not a table: the viewer must say so, not fail blank.
bad = os.path.join(run.dir, "media", "table", "broken.table.json")
os.makedirs(os.path.dirname(bad), exist_ok=True)
with open(bad, "w") as f:
    f.write('{{"columns": ["a"], "data": [[1], [2, ')
run.save(bad, base_path=run.dir, policy="now")
run.log({{"broken": {{"_type": "table-file", "path": "media/table/broken.table.json"}}}}, step=8)
run.finish()
"""


@pytest.fixture(scope="module")
def media_run(server, tmp_path_factory):
    project = "media-" + uuid.uuid4().hex[:8]
    workdir = tmp_path_factory.mktemp("media")
    (workdir / "script.py").write_text(textwrap.dedent(SCRIPT.format(project=project, big_rows=BIG_ROWS)))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WANDB_")},
        "WANDB_BASE_URL": server.url, "WANDB_API_KEY": ADMIN_KEY, "WANDB_DIR": str(workdir),
        "WANDB_CONFIG_DIR": str(workdir / ".config"), "WANDB_CACHE_DIR": str(workdir / ".cache"),
        "WANDB_DATA_DIR": str(workdir / ".data"), "WANDB__SERVICE_WAIT": "60",
    }
    p = subprocess.run([sys.executable, "script.py"], cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, (p.stdout + p.stderr)[-6000:]
    return {"base": f"{server.url}/api/v1/media/admin/{project}/media1", "project": project}


def get(url: str, **params) -> requests.Response:
    return requests.get(url, params=params, auth=("api", ADMIN_KEY), timeout=60)


def ok(url: str, **params) -> dict:
    r = get(url, **params)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    return r.json()


def image_at(server, src: str) -> Image.Image:
    r = get(server.url + src)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png", (r.status_code, r.headers)
    return Image.open(io.BytesIO(r.content)).convert("RGB")


def test_media_index_lists_keys_with_types_and_steps(media_run):
    keys = {k["key"]: k for k in ok(media_run["base"])["keys"]}
    assert {k: (v["type"], v["steps"]) for k, v in keys.items()} == {
        "samples/img": ("image", [0, 1, 2, 3, 4]), "weights": ("histogram", [0, 1, 2, 3, 4]),
        "preds": ("table", [5, 6]), "big": ("table", [7]), "broken": ("table", [8]),
    }


def test_image_at_each_step_is_that_steps_image(server, media_run):
    seen = set()
    for step in range(5):
        v = ok(media_run["base"] + "/value", key="samples/img", step=step)
        assert v["step"] == step and v["value"]["caption"] == f"step {step}"
        assert (v["value"]["width"], v["value"]["height"]) == (16, 8)
        img = image_at(server, v["value"]["src"])
        assert img.size == (16, 8) and img.getpixel((3, 3)) == (step * 50, 10, 200)
        seen.add(v["value"]["src"])
    assert len(seen) == 5
    # A step between logged ones shows the last image at or before it; beyond the end, the last one.
    assert ok(media_run["base"] + "/value", key="samples/img", step=99)["step"] == 4


def test_histograms_over_steps(media_run):
    h = ok(media_run["base"] + "/histograms", key="weights")["histograms"]
    assert [x["step"] for x in h] == [0, 1, 2, 3, 4]
    assert h[3]["values"] == [3, 1, 6] and h[3]["bins"] == [0, 1, 2, 6]
    r = get(media_run["base"] + "/histograms", key="samples/img")
    assert r.status_code == 400 and "no histograms" in r.json()["error"]


def test_table_versions_and_image_cells(server, media_run):
    first = ok(media_run["base"] + "/table", key="preds", step=5)
    assert first["source"] == "artifact" and first["columns"] == ["id", "label", "picture"] and first["steps"] == [5, 6]
    assert [r["cells"][1] for r in first["rows"]] == ["first-0", "first-1", "first-2"]
    for i, row in enumerate(first["rows"]):
        img = image_at(server, row["cells"][2]["src"])
        assert img.size == (4, 4) and img.getpixel((1, 1)) == (0, i * 80, 0)
    latest = ok(media_run["base"] + "/table", key="preds")
    assert latest["step"] == 6 and [r["cells"] for r in latest["rows"]] == [[9, "second", None]]


def test_big_table_pages_sorts_and_filters_on_the_server(media_run):
    base = media_run["base"] + "/table"
    scores = [(i * 7919) % 100000 / 100.0 for i in range(BIG_ROWS)]
    first = ok(base, key="big", limit=100)
    # All 200,000 rows come from the table's artifact (the run file holds only the SDK's first 10,000).
    assert first["nrows"] == BIG_ROWS and first["total"] == BIG_ROWS and first["source"] == "artifact"
    assert [r["index"] for r in first["rows"]] == list(range(100))
    last = ok(base, key="big", offset=BIG_ROWS - 50, limit=100)
    assert [r["cells"][0] for r in last["rows"]] == list(range(BIG_ROWS - 50, BIG_ROWS))

    order = sorted(range(BIG_ROWS), key=lambda i: (-scores[i], i))
    top = ok(base, key="big", sort="score", desc=1, limit=20)
    assert [r["index"] for r in top["rows"]] == order[:20]
    deep = ok(base, key="big", sort="score", desc=1, offset=150_000, limit=20)
    assert [r["index"] for r in deep["rows"]] == order[150_000:150_020]

    filters = json.dumps([{"column": "name", "op": "=", "value": "item-7"}, {"column": "score", "op": ">=", "value": "500"}])
    want = [i for i in range(BIG_ROWS) if i % 1000 == 7 and scores[i] >= 500]
    page = ok(base, key="big", filters=filters, sort="i", desc=0, limit=1000)
    assert page["total"] == len(want) and [r["index"] for r in page["rows"]] == want
    searched = ok(base, key="big", search="ITEM-999", limit=1000)
    assert searched["total"] == BIG_ROWS // 1000 and all(r["cells"][1] == "item-999" for r in searched["rows"])


def test_bad_table_requests_get_clear_4xx(media_run):
    base = media_run["base"] + "/table"
    broken = get(base, key="broken")
    assert broken.status_code == 400 and re.search(r"broken\.table\.json is not valid JSON", broken.json()["error"])
    r = get(base, key="big", sort="nope")
    assert r.status_code == 400 and 'no column "nope"' in r.json()["error"]
    r = get(base, key="big", filters="[{")
    assert r.status_code == 400 and "filters" in r.json()["error"]
    r = get(base, key="big", limit=100_000)
    assert r.status_code == 400
    assert get(base, key="no-such-key").status_code == 404


def test_media_of_a_run_others_cannot_see_is_not_found(server, media_run):
    out = server.cli("users", "create", "media-" + uuid.uuid4().hex[:6], "--email", f"m{uuid.uuid4().hex[:6]}@example.com")
    key = re.search(r"API key: (\S+)", out).group(1)
    v = ok(media_run["base"] + "/value", key="samples/img", step=0)
    for url in (media_run["base"], media_run["base"] + "/table?key=big", server.url + v["value"]["src"]):
        r = requests.get(url, auth=("api", key), timeout=30)
        assert r.status_code == 404, (url, r.status_code, r.text[:200])
