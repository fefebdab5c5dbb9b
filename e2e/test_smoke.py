"""The first thing a user does: log a few steps and see them stored."""
import math

from conftest import ADMIN_KEY


def test_log_and_finish(server, run_script, project):
    r = run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}", config={{"lr": 0.1}})
        for i in range(5):
            run.log({{"loss": 1.0 / (i + 1)}})
        print("RUN", run.id, run.name)
        run.finish()
    """)
    run_id, name = next(l.split()[1:] for l in r.stdout.splitlines() if l.startswith("RUN "))
    run = server.run("admin", project, run_id, "state displayName historyLineCount")
    assert run == {"state": "finished", "displayName": name, "historyLineCount": 5}
    rows = server.history("admin", project, run_id)
    assert [row["_step"] for row in rows] == [0, 1, 2, 3, 4]
    assert math.isclose(rows[-1]["loss"], 0.2)
