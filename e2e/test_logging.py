"""run.log(): steps, nesting, non-finite numbers, media, summaries, and many rows, all stored as the SDK sent them."""
from __future__ import annotations

import json
import math

import requests


def result_of(r) -> dict:
    """The JSON the script printed on its `RESULT ` line."""
    return json.loads(next(l[len("RESULT "):] for l in r.stdout.splitlines() if l.startswith("RESULT ")))


def summary_of(server, project: str, run_id: str) -> dict:
    # Python's json accepts the NaN/Infinity tokens the SDK writes.
    return json.loads(server.run("admin", project, run_id, "summaryMetrics")["summaryMetrics"])


def user_keys(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def test_explicit_steps_gaps_and_commit_false(server, run_script, project):
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}")
        run.log({{"a": 0}})
        run.log({{"a": 1}})
        run.log({{"a": 5}}, step=5)
        run.log({{"b": 5}}, step=5)
        run.log({{"a": 7, "b": 7}}, step=7, commit=True)
        run.log({{"c": 8}}, commit=False)
        run.log({{"a": 8}})
        print("RESULT " + json.dumps({{"id": run.id}}))
        run.finish()
    """)
    run_id = result_of(r)["id"]
    rows = server.history("admin", project, run_id)
    assert [row["_step"] for row in rows] == [0, 1, 5, 7, 8]
    assert [user_keys(row) for row in rows] == [
        {"a": 0}, {"a": 1}, {"a": 5, "b": 5}, {"a": 7, "b": 7}, {"a": 8, "c": 8}]
    assert server.run("admin", project, run_id, "historyLineCount") == {"historyLineCount": 5}


def test_nested_dicts_and_non_finite_numbers(server, run_script, project):
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}")
        run.log({{"train": {{"loss": 0.5, "acc": {{"top1": 0.9}}}}, "nan": float("nan"),
                  "inf": float("inf"), "ninf": float("-inf")}})
        run.log({{"train": {{"loss": 0.25, "acc": {{"top1": 0.95}}}}, "nan": 1.0, "inf": float("inf"), "ninf": 2.0,
                  "last_nan": float("nan"), "last_ninf": float("-inf")}})
        print("RESULT " + json.dumps({{"id": run.id}}))
        run.finish()
    """)
    run_id = result_of(r)["id"]
    first, second = server.history("admin", project, run_id)
    assert first["train"] == {"loss": 0.5, "acc": {"top1": 0.9}}
    assert second["train"] == {"loss": 0.25, "acc": {"top1": 0.95}}
    assert math.isnan(first["nan"]) and first["inf"] == math.inf and first["ninf"] == -math.inf
    summary = summary_of(server, project, run_id)
    assert summary["train"]["acc"]["top1"] == 0.95
    assert summary["inf"] == math.inf and summary["nan"] == 1.0 and summary["ninf"] == 2.0
    assert math.isnan(summary["last_nan"]) and summary["last_ninf"] == -math.inf


def test_media_reference_and_file(server, run_script, project):
    html = "<h1>hello from cairn</h1>"
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}")
        run.log({{"page": wandb.Html({html!r}), "x": 1}})
        print("RESULT " + json.dumps({{"id": run.id}}))
        run.finish()
    """)
    run_id = result_of(r)["id"]
    [row] = server.history("admin", project, run_id)
    ref = row["page"]
    assert ref["_type"] == "html-file" and ref["path"].startswith("media/html/"), ref
    files = server.run("admin", project, run_id, "files { edges { node { name url sizeBytes } } }")["files"]["edges"]
    by_name = {e["node"]["name"]: e["node"] for e in files}
    assert ref["path"] in by_name, sorted(by_name)
    body = requests.get(by_name[ref["path"]]["url"], timeout=10)
    assert body.status_code == 200
    assert html in body.text
    assert by_name[ref["path"]]["sizeBytes"] == len(body.content) == ref["size"]


def test_summary_overrides_last_logged_value(server, run_script, project):
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}")
        for loss in [3.0, 2.0, 1.5]:
            run.log({{"loss": loss, "acc": loss / 10}})
        run.summary["best"] = 1
        run.summary["loss"] = 0.5
        print("RESULT " + json.dumps({{"id": run.id}}))
        run.finish()
    """)
    summary = summary_of(server, project, result_of(r)["id"])
    assert summary["best"] == 1
    assert summary["loss"] == 0.5
    assert summary["acc"] == 0.15


def test_define_metric_summary(server, run_script, project):
    r = run_script(server, f"""
        import json, os, wandb
        run = wandb.init(project="{project}")
        run.define_metric("loss", summary="min")
        run.define_metric("acc", summary="max")
        for loss, acc in [(3.0, 0.1), (1.0, 0.7), (2.0, 0.4)]:
            run.log({{"loss": loss, "acc": acc}})
        run_dir = run.dir
        print("RESULT " + json.dumps({{"id": run.id, "dir": run_dir}}))
        run.finish()
    """)
    res = result_of(r)
    summary = summary_of(server, project, res["id"])
    assert summary["loss"] == {"min": 1.0}
    assert summary["acc"] == {"max": 0.7}
    # The server holds exactly the summary the SDK wrote locally.
    with open(f"{res['dir']}/wandb-summary.json") as f:
        assert summary == json.load(f)


def test_many_steps_stored_exactly_once(server, run_script, project):
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}")
        for i in range(2000):
            run.log({{"i": i, "sq": i * i}})
        print("RESULT " + json.dumps({{"id": run.id}}))
        run.finish()
    """)
    run_id = result_of(r)["id"]
    rows = server.history("admin", project, run_id)
    assert [row["_step"] for row in rows] == list(range(2000))
    assert all(row["i"] == row["_step"] and row["sq"] == row["_step"] ** 2 for row in rows)
    assert server.run("admin", project, run_id, "historyLineCount") == {"historyLineCount": 2000}
    assert summary_of(server, project, run_id)["i"] == 1999
