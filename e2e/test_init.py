"""wandb.init(): what the user passes is stored, defaults are filled in, and later edits reach the server."""
from __future__ import annotations

import json
import re

RUN_FIELDS = "name displayName state group jobType tags notes config"


def result_of(r) -> dict:
    """The JSON the script printed on its `RESULT ` line."""
    return json.loads(next(l[len("RESULT "):] for l in r.stdout.splitlines() if l.startswith("RESULT ")))


def user_config(run: dict) -> dict:
    """The run's config without the SDK's `_wandb` key, values unwrapped from `{"value": ...}`."""
    return {k: v["value"] for k, v in json.loads(run["config"]).items() if k != "_wandb"}


def test_init_arguments_are_stored(server, run_script, project):
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}", entity="admin", group="grp-1", job_type="train", name="my nice run",
                         config={{"lr": 0.1, "layers": [64, 32], "opt": {{"name": "adam", "beta": 0.9}}}},
                         tags=["baseline", "cpu"], notes="first try")
        print("RESULT " + json.dumps({{"id": run.id, "name": run.name, "entity": run.entity, "project": run.project}}))
        run.finish()
    """)
    res = result_of(r)
    assert res["entity"] == "admin" and res["project"] == project and res["name"] == "my nice run"
    run = server.run("admin", project, res["id"], RUN_FIELDS)
    assert run["name"] == res["id"]
    assert run["displayName"] == "my nice run"
    assert run["state"] == "finished"
    assert run["group"] == "grp-1" and run["jobType"] == "train"
    assert sorted(run["tags"]) == ["baseline", "cpu"]
    assert run["notes"] == "first try"
    assert user_config(run) == {"lr": 0.1, "layers": [64, 32], "opt": {"name": "adam", "beta": 0.9}}
    # The SDK's own bookkeeping is kept too: resume depends on `_wandb.t`.
    assert "t" in json.loads(run["config"])["_wandb"]["value"]


def test_default_entity_and_auto_created_project(server, run_script, project):
    assert server.gql('query($p: String) { project(name: $p, entityName: "admin") { id } }', {"p": project})["project"] is None
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}")
        print("RESULT " + json.dumps({{"id": run.id, "entity": run.entity}}))
        run.finish()
    """)
    res = result_of(r)
    assert res["entity"] == "admin"
    data = server.gql('query($p: String) { project(name: $p, entityName: "admin") { name entityName runCount } }',
                      {"p": project})
    assert data["project"] == {"name": project, "entityName": "admin", "runCount": 1}
    assert server.run("admin", project, res["id"], "state") == {"state": "finished"}


def test_no_project_uses_the_sdk_default(server, run_script):
    r = run_script(server, """
        import json, wandb
        run = wandb.init()
        print("RESULT " + json.dumps({"id": run.id, "project": run.project, "entity": run.entity}))
        run.finish()
    """)
    res = result_of(r)
    # Outside a git repo the SDK picks "uncategorized" itself; whatever it picked is where the run is.
    assert res["project"] == "uncategorized"
    assert server.run(res["entity"], res["project"], res["id"], "state") == {"state": "finished"}


def test_server_assigned_names_count_runs_in_the_project(server, run_script, project):
    names = []
    for _ in range(2):
        r = run_script(server, f"""
            import json, wandb
            run = wandb.init(project="{project}")
            print("RESULT " + json.dumps({{"id": run.id, "name": run.name}}))
            run.finish()
        """)
        res = result_of(r)
        assert server.run("admin", project, res["id"], "displayName") == {"displayName": res["name"]}
        names.append(res["name"])
    for number, name in enumerate(names, start=1):
        m = re.fullmatch(r"[a-z]+-[a-z]+-(\d+)", name)
        assert m, name
        assert int(m.group(1)) == number, names


def test_config_updates_during_the_run_reach_the_server(server, run_script, project):
    r = run_script(server, f"""
        import json, os, time, requests, wandb
        run = wandb.init(project="{project}", config={{"a": 1}})
        run.log({{"x": 1}})
        run.config.update({{"b": 2, "a": 10}}, allow_val_change=True)
        run.config["c"] = {{"deep": [1, 2]}}
        run.log({{"x": 2}})
        # While the run is still going, wait for the SDK's (debounced) update to show on the server.
        query = '{{ project(name: "{project}", entityName: "admin") {{ run(name: "%s") {{ config }} }} }}' % run.id
        seen, deadline = None, time.time() + 60
        while time.time() < deadline:
            config = json.loads(requests.post(os.environ["WANDB_BASE_URL"] + "/graphql", json={{"query": query}},
                                auth=("api", os.environ["WANDB_API_KEY"])).json()["data"]["project"]["run"]["config"])
            seen = {{k: v["value"] for k, v in config.items() if k != "_wandb"}}
            if "c" in seen:
                break
            time.sleep(0.2)
        print("RESULT " + json.dumps({{"id": run.id, "mid_run": seen}}))
        run.finish()
    """)
    res = result_of(r)
    assert res["mid_run"] == {"a": 10, "b": 2, "c": {"deep": [1, 2]}}
    run = server.run("admin", project, res["id"], "config")
    assert user_config(run) == {"a": 10, "b": 2, "c": {"deep": [1, 2]}}


def test_tags_and_notes_changed_mid_run(server, run_script, project):
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}", tags=["one"], notes="before", group="g")
        run.log({{"x": 1}})
        run.tags = run.tags + ("two",)
        run.notes = "after"
        run.name = "renamed"
        print("RESULT " + json.dumps({{"id": run.id}}))
        run.finish()
    """)
    run = server.run("admin", project, result_of(r)["id"], "tags notes displayName group")
    assert sorted(run["tags"]) == ["one", "two"]
    assert run["notes"] == "after"
    assert run["displayName"] == "renamed"
    # Fields the later upserts leave out stay as they were.
    assert run["group"] == "g"
