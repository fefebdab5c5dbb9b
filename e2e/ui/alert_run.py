"""Logs one run that sends run.alert (used by alerts.test.ts). Args: project title."""
import sys

import wandb

project, title = sys.argv[1], sys.argv[2]
run = wandb.init(project=project, entity="admin", name="alerting-run")
run.log({"loss": 1.0})
run.alert(title=title, text="loss went up", level=wandb.AlertLevel.WARN)
run.finish()
print(run.id)
