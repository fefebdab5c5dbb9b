"""Resuming, rewinding and forking runs: history, console and summary continue where they left off."""
from __future__ import annotations

import json
import uuid


def result_of(r) -> dict:
    """The JSON the script printed on its `RESULT ` line."""
    return json.loads(next(l[len("RESULT "):] for l in r.stdout.splitlines() if l.startswith("RESULT ")))


def new_run_id() -> str:
    return uuid.uuid4().hex[:8]


def user_config(run: dict) -> dict:
    return {k: v["value"] for k, v in json.loads(run["config"]).items() if k != "_wandb"}


def log_lines(server, project: str, run_id: str) -> list[str]:
    run = server.run("admin", project, run_id, "logLines(first: 10000) { edges { node { line } } }")
    return [e["node"]["line"] for e in run["logLines"]["edges"]]


def logging_script(project: str, run_id: str, resume: str, steps: int, tag: str, config: dict | None = None,
                   summary: dict | None = None) -> str:
    return f"""
        import json, wandb
        run = wandb.init(project="{project}", id="{run_id}", resume="{resume}", config={config or {}!r})
        start = run.starting_step
        for i in range({steps}):
            run.log({{"x": i, "phase": "{tag}"}})
        for k, v in {summary or {}!r}.items():
            run.summary[k] = v
        print("{tag} console line")
        print("RESULT " + json.dumps({{"id": run.id, "start": start, "resumed": run.resumed}}))
        run.finish()
    """


def test_allow_creates_then_continues(server, run_script, project):
    run_id = new_run_id()
    first = result_of(run_script(server, logging_script(project, run_id, "allow", 3, "first",
                                                        config={"a": 1}, summary={"best": 5})))
    assert first["id"] == run_id and first["start"] == 0 and not first["resumed"]
    counts = server.run("admin", project, run_id, "historyLineCount logLineCount")
    assert counts["historyLineCount"] == 3
    first_lines = log_lines(server, project, run_id)
    assert counts["logLineCount"] == len(first_lines) > 0

    second = result_of(run_script(server, logging_script(project, run_id, "allow", 2, "second", config={"b": 2})))
    assert second["id"] == run_id and second["resumed"]
    assert second["start"] == 3

    rows = server.history("admin", project, run_id)
    assert [r["_step"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["phase"] for r in rows] == ["first"] * 3 + ["second"] * 2
    run = server.run("admin", project, run_id, "state config summaryMetrics historyLineCount logLineCount")
    assert run["state"] == "finished" and run["historyLineCount"] == 5
    assert user_config(run) == {"a": 1, "b": 2}
    summary = json.loads(run["summaryMetrics"])
    assert summary["best"] == 5 and summary["phase"] == "second" and summary["x"] == 1
    # The console continues after the first run's lines instead of overwriting them (wandb < 0.28.2 only keeps
    # its resumed console offset because upsertBucket-by-id answers historyLineCount 0: see resolvers.ts).
    lines = log_lines(server, project, run_id)
    assert run["logLineCount"] == len(lines) > len(first_lines)
    assert lines[:len(first_lines)] == first_lines
    assert "first console line" in lines and "second console line" in lines
    assert lines.index("first console line") < lines.index("second console line")


def test_must_on_missing_run_fails_and_creates_nothing(server, run_script, project):
    run_id = new_run_id()
    r = run_script(server, logging_script(project, run_id, "must", 1, "x"), check=False)
    assert r.returncode != 0
    assert "must" in r.output and run_id in r.output, r.output[-3000:]
    assert server.run("admin", project, run_id, "id") is None


def test_never_fails_and_must_continues_on_an_existing_run(server, run_script, project):
    run_id = new_run_id()
    run_script(server, logging_script(project, run_id, "allow", 2, "first"))
    r = run_script(server, logging_script(project, run_id, "never", 1, "never"), check=False)
    assert r.returncode != 0
    assert "never" in r.output or "already exists" in r.output, r.output[-3000:]
    assert [row["phase"] for row in server.history("admin", project, run_id)] == ["first", "first"]

    must = result_of(run_script(server, logging_script(project, run_id, "must", 2, "must")))
    assert must["start"] == 2
    rows = server.history("admin", project, run_id)
    assert [row["_step"] for row in rows] == [0, 1, 2, 3]
    assert [row["phase"] for row in rows] == ["first", "first", "must", "must"]


def test_auto_resumes_a_failed_run_from_the_same_directory(server, run_script, project, tmp_path):
    shared = tmp_path / "shared-wandb-dir"
    shared.mkdir()
    first = result_of(run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}", resume="auto")
        run.log({{"x": 0}})
        run.log({{"x": 1}})
        print("RESULT " + json.dumps({{"id": run.id}}))
        run.finish(exit_code=3)
    """, env={"WANDB_DIR": str(shared)}))
    assert server.run("admin", project, first["id"], "state") == {"state": "failed"}
    second = result_of(run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}", resume="auto")
        start = run.starting_step
        run.log({{"x": 2}})
        print("RESULT " + json.dumps({{"id": run.id, "start": start}}))
        run.finish()
    """, env={"WANDB_DIR": str(shared)}))
    assert second["id"] == first["id"] and second["start"] == 2
    assert [row["x"] for row in server.history("admin", project, first["id"])] == [0, 1, 2]
    assert server.run("admin", project, first["id"], "state") == {"state": "finished"}


def test_resume_from_rewinds_history(server, run_script, project):
    run_id = new_run_id()
    run_script(server, logging_script(project, run_id, "allow", 10, "first"))
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}", resume_from="{run_id}?_step=4")
        start = run.starting_step
        run.log({{"x": 100, "phase": "rewound"}})
        run.log({{"x": 101, "phase": "rewound"}})
        print("RESULT " + json.dumps({{"id": run.id, "start": start}}))
        run.finish()
    """)
    res = result_of(r)
    assert res["id"] == run_id and res["start"] == 5
    rows = server.history("admin", project, run_id)
    assert [row["_step"] for row in rows] == [0, 1, 2, 3, 4, 5, 6]
    assert [row["phase"] for row in rows] == ["first"] * 5 + ["rewound"] * 2
    run = server.run("admin", project, run_id, "historyLineCount config state")
    assert run["historyLineCount"] == 7 and run["state"] == "finished"
    branch = json.loads(run["config"])["_wandb"]["value"].get("branch_point")
    assert branch == {"run_id": run_id, "step": 4}


def test_fork_from_creates_a_new_run(server, run_script, project):
    parent = new_run_id()
    run_script(server, logging_script(project, parent, "allow", 6, "parent", config={"lr": 0.1}))
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}", fork_from="{parent}?_step=3")
        start = run.starting_step
        run.log({{"x": 42, "phase": "child"}})
        print("RESULT " + json.dumps({{"id": run.id, "start": start}}))
        run.finish()
    """)
    child = result_of(r)
    assert child["id"] != parent and child["start"] == 4
    run = server.run("admin", project, child["id"], "config state")
    assert run["state"] == "finished"
    assert json.loads(run["config"])["_wandb"]["value"]["branch_point"] == {"run_id": parent, "step": 3}
    assert [row["_step"] for row in server.history("admin", project, child["id"])] == [4]
    # The parent is untouched.
    assert [row["_step"] for row in server.history("admin", project, parent)] == list(range(6))
