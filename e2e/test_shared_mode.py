"""Several processes write one run (mode="shared"), and grouped runs keep their group and job type."""
import json
import uuid
from collections import Counter

from sdk_proc import spawn_script, wait_for  # noqa: F401  (spawn_script is a fixture)

ROWS_PER_WRITER = 20

WRITER = """
    import os, time, wandb
    run = wandb.init(project="{project}", id="{run_id}", settings=wandb.Settings(
        mode="shared", x_label="{label}", x_primary={primary}, x_update_finish_state={primary},
        x_stats_sampling_interval=0.5, x_file_stream_transmit_interval=0.2))
    print("RUN", run.id, flush=True)
    print("hello from {label}", flush=True)
    for i in range({rows}):
        run.log({{"writer": "{label}", "i": i}})
        time.sleep(0.05)
    time.sleep(1.5)  # at least a couple of system metrics samples
    {before_finish}
    run.finish()
"""


def writer(project, run_id, label, primary, before_finish=""):
    return WRITER.format(project=project, run_id=run_id, label=label, primary=primary, rows=ROWS_PER_WRITER,
                         before_finish=before_finish)


def test_shared_mode_writers_make_one_run(server, spawn_script, project, tmp_path):
    run_id = "shared-" + uuid.uuid4().hex[:8]
    go = tmp_path / "primary-may-finish"
    primary = spawn_script(server, writer(project, run_id, "w1", True, before_finish=(
        f"while not os.path.exists({str(go)!r}): time.sleep(0.1)")))
    primary.wait_line("RUN ")
    others = [spawn_script(server, writer(project, run_id, label, False)) for label in ("w2", "w3")]
    for p in others:
        assert p.wait() == 0, p.output[-4000:]

    # The secondary writers have finished, but they do not decide the run's state.
    assert server.run("admin", project, run_id, "state")["state"] == "running"
    go.touch()
    assert primary.wait() == 0, primary.output[-4000:]

    run = server.run("admin", project, run_id, "state exitcode historyLineCount")
    assert run == {"state": "finished", "exitcode": 0, "historyLineCount": 3 * ROWS_PER_WRITER}
    data = server.gql("query($p: String) { project(name: $p, entityName: \"admin\") { runs { edges { node { name } } } } }",
                      {"p": project})
    assert [e["node"]["name"] for e in data["project"]["runs"]["edges"]] == [run_id]

    # Every row from every writer exactly once, each with its own server-assigned step.
    rows = server.history("admin", project, run_id)
    assert Counter((r["writer"], r["i"]) for r in rows) == Counter(
        (w, i) for w in ("w1", "w2", "w3") for i in range(ROWS_PER_WRITER))
    assert sorted(r["_step"] for r in rows) == list(range(3 * ROWS_PER_WRITER))
    for w in ("w1", "w2", "w3"):
        # One writer's rows keep their order.
        mine = [r for r in rows if r["writer"] == w]
        assert [r["i"] for r in sorted(mine, key=lambda r: r["_step"])] == list(range(ROWS_PER_WRITER))

    # Console lines keep their writer's label.
    lines = server.run("admin", project, run_id, "logLines(first: 1000) { edges { node { label line } } }")["logLines"]["edges"]
    hellos = {(e["node"]["label"], e["node"]["line"]) for e in lines if e["node"]["line"].startswith("hello from")}
    assert hellos == {(w, f"hello from {w}") for w in ("w1", "w2", "w3")}

    # System metrics are per writer: keys end in /l:<label>.
    events = server.run("admin", project, run_id, "events(samples: 1000)")["events"]
    labels = {key.rsplit("/l:", 1)[1] for line in events for key in json.loads(line) if "/l:" in key}
    assert labels == {"w1", "w2", "w3"}


def test_only_the_primary_decides_how_the_run_ended(server, spawn_script, project):
    run_id = "shared-" + uuid.uuid4().hex[:8]
    primary = spawn_script(server, writer(project, run_id, "w1", True, before_finish="import sys; sys.exit(4)"))
    assert primary.wait() == 4, primary.output[-4000:]
    assert server.run("admin", project, run_id, "state exitcode") == {"state": "failed", "exitcode": 4}
    # A secondary writer that goes on writing (and finishing) afterwards adds data but does not change the end.
    secondary = spawn_script(server, writer(project, run_id, "w2", False))
    assert secondary.wait() == 0, secondary.output[-4000:]
    run = server.run("admin", project, run_id, "state exitcode historyLineCount")
    assert run == {"state": "failed", "exitcode": 4, "historyLineCount": 2 * ROWS_PER_WRITER}


def test_grouped_runs_keep_group_and_job_type(server, run_script, project):
    r = run_script(server, f"""
        import wandb
        for job_type in ("train", "train", "eval"):
            run = wandb.init(project="{project}", group="exp-1", job_type=job_type, reinit=True)
            run.log({{"x": 1}})
            print("RUN", run.id, job_type, flush=True)
            run.finish()
    """)
    runs = [l.split()[1:] for l in r.stdout.splitlines() if l.startswith("RUN ")]
    assert len(runs) == 3
    for run_id, job_type in runs:
        assert server.run("admin", project, run_id, "group jobType state") == {
            "group": "exp-1", "jobType": job_type, "state": "finished"}
