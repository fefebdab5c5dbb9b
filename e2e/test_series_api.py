"""Bucketed chart data (the UI's JSON API) for runs logged by the real SDK."""
import math

import requests

from conftest import ADMIN_KEY


def series(server, body, key=ADMIN_KEY):
    return requests.post(server.url + "/api/v1/series", json=body, auth=("api", key), timeout=30)


def log_runs(server, run_script, project):
    run_script(server, f"""
        import math, wandb
        for r in range(2):
            run = wandb.init(project="{project}", id=f"run{{r}}")
            for i in range(3000):
                v = math.sin(i / 50) + r
                if i == 1234: v = 99.0          # a spike that must survive bucketing
                run.log({{"train/loss": v, "eval": {{"acc": i / 3000}}}})
            run.finish()
    """)


def test_full_fidelity_buckets_keep_spikes_and_last_values(server, run_script, project):
    log_runs(server, run_script, project)
    r = series(server, {"entity": "admin", "project": project, "runs": ["run0", "run1", "nope"],
                        "keys": ["train/loss", "eval.acc"], "buckets": 100})
    assert r.status_code == 200, r.text
    body = r.json()
    plan = body["plan"]
    assert plan["count"] <= 100 and plan["width"] & (plan["width"] - 1) == 0
    names = [run["name"] for run in body["runs"]]
    assert sorted(names) == ["run0", "run1"]
    for run in body["runs"]:
        loss = run["series"]["train/loss"]
        assert max(loss["max"]) == 99.0                      # the spike is in the band
        assert sum(loss["count"]) == 3000                    # every point accounted for once
        offset = 0 if run["name"] == "run0" else 1
        assert math.isclose(loss["last"][-1], math.sin(2999 / 50) + offset)
        assert math.isclose(run["series"]["eval.acc"]["last"][-1], 2999 / 3000)
        assert loss["x"] == sorted(loss["x"]) and loss["x"][0] == 0


def test_zoom_rebuckets_the_range(server, run_script, project):
    log_runs(server, run_script, project)
    r = series(server, {"entity": "admin", "project": project, "runs": ["run0"], "keys": ["train/loss"],
                        "buckets": 50, "range": {"min": 1200, "max": 1299}})
    loss = r.json()["runs"][0]["series"]["train/loss"]
    assert r.json()["plan"]["width"] == 2
    assert sum(loss["count"]) == 100 and 99.0 in loss["max"]


def test_other_x_axes_rebucket_by_the_logged_x(server, run_script, project):
    run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}", id="xr")
        for i in range(4000):
            run.log({{"loss": 99.0 if i == 2500 else 1.0, "epoch": i // 400}})
        run.finish()
    """)
    r = series(server, {"entity": "admin", "project": project, "runs": ["xr"], "keys": ["loss"], "xKey": "epoch", "buckets": 10})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["plan"]["xKey"] == "epoch" and body["plan"]["start"] == 0
    loss = body["runs"][0]["series"]["loss"]
    assert sum(loss["count"]) == 4000 and max(loss["max"]) == 99.0
    assert loss["x"] == sorted(loss["x"]) and loss["x"][-1] <= 9
    r = series(server, {"entity": "admin", "project": project, "runs": ["xr"], "keys": ["loss"], "xKey": "_runtime", "buckets": 20})
    assert r.status_code == 200 and sum(r.json()["runs"][0]["series"]["loss"]["count"]) == 4000
    # An x key nobody logged: nothing to draw, not an error.
    r = series(server, {"entity": "admin", "project": project, "runs": ["xr"], "keys": ["loss"], "xKey": "nope"})
    assert r.status_code == 200 and r.json()["plan"] is None


def test_key_listing_is_paged_and_searchable(server, run_script, project):
    run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}", id="many")
        run.log({{f"m/{{i:04d}}": i for i in range(300)}})
        run.log({{"needle/x": 1}})
        run.finish()
    """)
    url = f"{server.url}/api/v1/runs/admin/{project}/many/keys"
    page1 = requests.get(url, params={"limit": 100}, auth=("api", ADMIN_KEY)).json()
    assert len(page1["keys"]) == 100 and page1["keys"] == sorted(page1["keys"])
    page2 = requests.get(url, params={"limit": 100, "after": page1["keys"][-1]}, auth=("api", ADMIN_KEY)).json()
    assert page2["keys"][0] > page1["keys"][-1]
    found = requests.get(url, params={"search": "NEEDLE"}, auth=("api", ADMIN_KEY)).json()
    assert found["keys"] == ["needle/x"]


def test_bad_queries_get_clear_4xx(server, run_script, project):
    log_runs(server, run_script, project)
    base = {"entity": "admin", "project": project, "runs": ["run0"], "keys": ["train/loss"]}
    for bad in [{"buckets": 0}, {"buckets": 10**9}, {"range": {"min": 10, "max": 5}}, {"range": {"min": -5}},
                {"keys": []}, {"keys": [f"k{i}" for i in range(101)]}, {"runs": "run0"}, {"xKey": ""},
                {"range": {"min": 1.5}}]:
        r = series(server, {**base, **bad})
        assert r.status_code == 400, (bad, r.status_code, r.text)
        assert "invalid series query" in r.json()["error"]
    assert series(server, {**base, "project": "no-such-project"}).status_code == 404
    assert series(server, base, key="local-" + "0" * 40).status_code == 401
    r = requests.get(f"{server.url}/api/v1/runs/admin/{project}/no-such-run/keys", auth=("api", ADMIN_KEY))
    assert r.status_code == 404


def test_runs_table_query(server, run_script, project):
    log_runs(server, run_script, project)
    url = server.url + "/api/v1/runs"
    r = requests.post(url, json={"entity": "admin", "project": project, "order": "-summary_metrics.train/loss", "limit": 1},
                      auth=("api", ADMIN_KEY))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2 and [row["name"] for row in body["runs"]] == ["run1"]
    assert body["runs"][0]["state"] == "finished" and "train/loss" in body["runs"][0]["summary"]
    r = requests.post(url, json={"entity": "admin", "project": project, "filters": {"name": "run0"}}, auth=("api", ADMIN_KEY))
    assert [row["name"] for row in r.json()["runs"]] == ["run0"] and r.json()["total"] == 1
    for bad in [{"filters": {"$where": "x"}}, {"limit": 0}, {"order": "-bogus"}, {"filters": "{nope"}]:
        r = requests.post(url, json={"entity": "admin", "project": project, **bad}, auth=("api", ADMIN_KEY))
        assert r.status_code == 400, (bad, r.text)
