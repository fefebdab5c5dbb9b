"""Logs two runs and saves a report over them with W&B's reports API, wandb-workspaces (argv: project).

Prints `RESULT {"id": ..., "url": ...}` with the saved report's id and URL.
"""
import json
import sys

import wandb
import wandb_workspaces.reports.v2 as wr

project = sys.argv[1]
for name, scale in (("alpha", 1.0), ("beta", 2.0)):
    run = wandb.init(project=project, name=name, config={"scale": scale})
    for step in range(50):
        run.log({"loss": scale / (step + 1), "acc": step / 50 * scale})
    run.finish()

entity = wandb.Api().default_entity
report = wr.Report(
    entity=entity, project=project, title="Training summary", description="Saved with wandb-workspaces.",
    blocks=[
        wr.H1("Results"),
        wr.P(["Loss went ", wr.Link("down", url="https://example.com/loss"), " for both runs."]),
        wr.MarkdownBlock("Markdown with **bold** text:\n\n- first point\n- second point"),
        wr.CodeBlock(code="print('hello report')", language="python"),
        wr.Image(url="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSI0MCIgaGVpZ2h0PSI0MCI+PHJlY3Qgd2lkdGg9IjQwIiBoZWlnaHQ9IjQwIiBmaWxsPSIjMDA3MmIyIi8+PC9zdmc+",
                 caption="a blue square"),
        wr.PanelGrid(
            runsets=[wr.Runset(entity=entity, project=project, name="All runs")],
            panels=[wr.LinePlot(title="Loss", x="Step", y=["loss"]), wr.BarPlot(title="Accuracy", metrics=["acc"]),
                    wr.ScalarChart(title="Mean accuracy", metric="acc"), wr.ParallelCoordinatesPlot(columns=[wr.ParallelCoordinatesPlotColumn(metric=wr.SummaryMetric("acc"))])],
        ),
        # Only beta (scale 2.0) passes this run set's filters.
        wr.PanelGrid(
            runsets=[wr.Runset(entity=entity, project=project, name="Scaled runs",
                               filters="Config('scale') >= 1.5 and Metric('State') == 'finished'")],
            panels=[wr.LinePlot(title="Scaled loss", x="Step", y=["loss"])],
        ),
        wr.TableOfContents(),
    ],
)
report.save()
print("RESULT " + json.dumps({"id": report.id, "url": report.url}))
