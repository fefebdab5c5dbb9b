"""Reports saved and read with W&B's own reports API (wandb-workspaces `wandb_workspaces.reports.v2`).

One module-wide project (made with api.create_project) and one report (headings, text, markdown, code, an image, a link and a
panel grid of a line plot, a bar plot and a scalar chart over a runset of the project). The report script spies
on the SDK's own GraphQL call (it does not change it) to learn the exact spec text it sent, so "stored as sent"
is checked byte for byte against `view(id)`.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid

import pytest
import requests

from conftest import ADMIN_KEY

pytest.importorskip("wandb_workspaces", reason="wandb-workspaces is not installed in this SDK venv (e2e/requirements.txt)")

# A tiny inline image: the test machine has no network.
IMAGE_URL = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSI0IiBoZWlnaHQ9IjQiLz4="

SAVE_REPORT = """
import json
import wandb_workspaces.reports.v2 as wr
from wandb_workspaces.reports.v2 import interface

sent = []
real_execute = interface.execute_graphql
def spy(api, query, variables=None):
    if "upsertView" in query:
        sent.append(dict(variables))
    return real_execute(api, query, variables)
interface.execute_graphql = spy

E, P = {entity!r}, {project!r}
# A run set's project must exist before the report is converted (W&B refuses it too); upsertModel is idempotent.
import wandb
wandb.Api().create_project(P, E)
report = wr.Report(
    entity=E, project=P, title={title!r}, description="Made by the reports e2e test.",
    blocks=[
        wr.H1("Results"),
        wr.P("Loss went down for both runs."),
        wr.H2("Details"),
        wr.MarkdownBlock("**Bold** claims:\\n\\n- one\\n- two"),
        wr.CodeBlock(code="print('hello')", language="python"),
        wr.Image(url={image!r}, caption="a tiny image"),
        wr.P(["See ", wr.Link("the docs", url="https://example.com/docs"), " for more."]),
        wr.PanelGrid(
            runsets=[wr.Runset(entity=E, project=P, name="All runs")],
            panels=[wr.LinePlot(title="loss", x="Step", y=["loss"]), wr.BarPlot(title="acc", metrics=["acc"]),
                    wr.ScalarChart(title="acc now", metric="acc")],
        ),
    ],
)
report.save(draft={draft!r})
print("RESULT " + json.dumps({{"id": report.id, "url": report.url, "spec": sent[-1]["spec"], "type": sent[-1]["type"]}}))
"""

LOAD_REPORT = """
import json
import wandb
import wandb_workspaces.reports.v2 as wr

original_url = {url!r}
loaded = wr.Report.from_url(original_url)
# The SDK's own name for the same API (wandb.apis.reports re-exports wandb-workspaces).
import wandb.apis.reports as legacy_reports
legacy = legacy_reports.Report.from_url(original_url)
listed = [r for r in wandb.Api().reports({path!r})]
print("RESULT " + json.dumps({{
    "title": loaded.title, "legacy_title": legacy.title, "description": loaded.description,
    "blocks": [type(b).__name__ for b in loaded.blocks],
    "panels": [type(p).__name__ for b in loaded.blocks if isinstance(b, wr.PanelGrid) for p in b.panels],
    "runsets": [[r.entity, r.project] for b in loaded.blocks if isinstance(b, wr.PanelGrid) for r in b.runsets],
    "code": [b.code for b in loaded.blocks if isinstance(b, wr.CodeBlock)],
    "markdown": [b.text for b in loaded.blocks if isinstance(b, wr.MarkdownBlock)],
    "images": [b.url for b in loaded.blocks if isinstance(b, wr.Image)],
    "listed": [{{"id": r.id, "name": r.display_name, "spec": r.spec}} for r in listed],
}}))
"""

BAD_SPEC_SDK = """
import wandb
from wandb_workspaces._graphql import execute_graphql
from wandb_workspaces.reports.v2 import gql
execute_graphql(wandb.Api(), gql.upsert_view, {{"entityName": {entity!r}, "projectName": {project!r}, "name": "broken-spec",
    "displayName": "broken", "description": "", "type": "runs", "spec": '{{"blocks": ['}})
"""

VIEW_Q = "query($id: ID!) { view(id: $id) { id type displayName spec project { name entityName } } }"


def _result(output: str) -> dict:
    m = re.search(r"^RESULT (.*)$", output, re.M)
    assert m, output[-4000:]
    return json.loads(m.group(1))


def _raw_gql(server, query: str, variables: dict, key: str = ADMIN_KEY) -> requests.Response:
    return requests.post(server.url + "/graphql", json={"query": query, "variables": variables}, auth=("api", key), timeout=30)


@pytest.fixture(scope="module")
def reports_project(server, tmp_path_factory):
    """A project and its report saved by wandb-workspaces (the SDK's result and the spec it sent)."""
    project = "reports-" + uuid.uuid4().hex[:8]
    workdir = tmp_path_factory.mktemp("reports")

    def sdk(code: str, check: bool = True) -> str:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}, "WANDB_BASE_URL": server.url,
               "WANDB_API_KEY": ADMIN_KEY, "WANDB_DIR": str(workdir), "WANDB_CONFIG_DIR": str(workdir / ".config"),
               "WANDB_CACHE_DIR": str(workdir / ".cache"), "WANDB_DATA_DIR": str(workdir / ".data"), "WANDB_SILENT": "true"}
        p = subprocess.run([sys.executable, "-c", code], cwd=workdir, env=env, capture_output=True, text=True, timeout=180)
        assert p.returncode == 0 or not check, (p.stdout + p.stderr)[-6000:]
        return p.stdout + p.stderr

    saved = _result(sdk(SAVE_REPORT.format(entity="admin", project=project, title="Cairn e2e report", image=IMAGE_URL, draft=False)))
    return {"project": project, "saved": saved, "sdk": sdk}


def test_report_saved_with_wandb_workspaces_reads_back_unchanged(server, reports_project):
    project, saved = reports_project["project"], reports_project["saved"]
    assert saved["type"] == "runs"
    # Stored exactly as the SDK sent it: the same text, byte for byte.
    view = server.gql(VIEW_Q, {"id": saved["id"]})["view"]
    assert view["spec"] == saved["spec"]
    assert view["displayName"] == "Cairn e2e report" and view["type"] == "runs"
    assert view["project"] == {"name": project, "entityName": "admin"}
    sent = json.loads(saved["spec"])
    assert [b["type"] for b in sent["blocks"]] == [
        "paragraph", "heading", "paragraph", "heading", "markdown-block", "code-block", "image", "paragraph", "panel-grid", "paragraph"]

    loaded = _result(reports_project["sdk"](LOAD_REPORT.format(url=saved["url"], path=f"admin/{project}")))
    assert loaded["title"] == "Cairn e2e report"
    assert loaded["legacy_title"] == "Cairn e2e report"
    assert loaded["description"] == "Made by the reports e2e test."
    assert loaded["blocks"] == ["H1", "P", "H2", "MarkdownBlock", "CodeBlock", "Image", "P", "PanelGrid"]
    assert loaded["panels"] == ["LinePlot", "BarPlot", "ScalarChart"]
    assert loaded["runsets"] == [["admin", project]]
    assert loaded["code"] == ["print('hello')"]
    assert loaded["markdown"] == ["**Bold** claims:\n\n- one\n- two"]
    assert loaded["images"] == [IMAGE_URL]
    # api.reports(path) lists it, with the spec the SDK sent.
    assert [(r["id"], r["name"]) for r in loaded["listed"]] == [(saved["id"], "Cairn e2e report")]
    assert loaded["listed"][0]["spec"] == sent


def test_draft_is_not_listed_until_published(server, reports_project):
    project, sdk = reports_project["project"], reports_project["sdk"]
    draft = _result(sdk(SAVE_REPORT.format(entity="admin", project=project, title="Draft report", image=IMAGE_URL, draft=True)))
    assert draft["type"] == "runs/draft"
    listed = server.gql("query($e: String!, $p: String!) { project(entityName: $e, name: $p) { allViews { edges { node { id } } } "
                        "drafts: allViews(viewType: \"runs/draft\") { edges { node { id displayName } } } } }",
                        {"e": "admin", "p": project})["project"]
    assert draft["id"] not in [e["node"]["id"] for e in listed["allViews"]["edges"]]
    assert [e["node"]["displayName"] for e in listed["drafts"]["edges"]] == ["Draft report"]
    # Publishing (the app's publishView) makes it a report that api.reports lists.
    published = server.gql("mutation($id: ID!) { publishView(input: {id: $id}) { view { id type spec } } }", {"id": draft["id"]})
    assert published["publishView"]["view"] == {"id": draft["id"], "type": "runs", "spec": draft["spec"]}
    out = sdk(f"import json, wandb\nprint('RESULT ' + json.dumps(sorted(r.display_name for r in wandb.Api().reports('admin/{project}'))))")
    assert _result(out) == ["Cairn e2e report", "Draft report"]


def test_spec_that_is_not_json_is_refused_and_nothing_is_stored(server, reports_project):
    project = reports_project["project"]
    mutation = ("mutation($spec: String!, $e: String, $p: String) { upsertView(input: {entityName: $e, projectName: $p, "
                "type: \"runs\", displayName: \"broken\", createdUsing: WANDB_SDK, spec: $spec}) { view { id } inserted } }")
    before = server.gql("query($e: String!, $p: String!) { project(entityName: $e, name: $p) { allViews(viewType: null) { totalCount } } }",
                        {"e": "admin", "p": project})
    r = _raw_gql(server, mutation, {"spec": '{"blocks": [', "e": "admin", "p": project})
    assert r.status_code == 400, r.text
    assert "not valid JSON" in r.json()["errors"][0]["message"]
    # Updating an existing report with a broken spec is refused too, and the stored spec stays.
    saved = reports_project["saved"]
    r = _raw_gql(server, "mutation($id: ID, $spec: String!) { upsertView(input: {id: $id, spec: $spec}) { inserted } }",
                 {"id": saved["id"], "spec": "not json at all"})
    assert r.status_code == 400 and "not valid JSON" in r.text
    assert server.gql(VIEW_Q, {"id": saved["id"]})["view"]["spec"] == saved["spec"]
    # Through the SDK's own transport (wandb-workspaces' upsertView document), the user sees why.
    out = reports_project["sdk"](BAD_SPEC_SDK.format(entity="admin", project=project), check=False)
    assert "report spec is not valid JSON" in out, out[-3000:]
    after = server.gql("query($e: String!, $p: String!) { project(entityName: $e, name: $p) { allViews(viewType: null) { totalCount } } }",
                       {"e": "admin", "p": project})
    assert after == before


def test_user_without_access_sees_not_found(server, reports_project, run_script):
    saved = reports_project["saved"]
    name = "stranger-" + uuid.uuid4().hex[:6]
    m = re.search(r"API key: (\S+)", server.cli("users", "create", name, "--email", f"{name}@example.com"))
    assert m
    key = m.group(1)
    r = _raw_gql(server, VIEW_Q, {"id": saved["id"]}, key=key)
    assert r.status_code == 404 and "not found" in r.text, r.text
    # The same answer as for a report that does not exist: nothing tells the stranger it is there.
    ghost = _raw_gql(server, VIEW_Q, {"id": "Vmlldzo5OTk5OTk5"}, key=key)  # View:9999999
    assert ghost.status_code == 404
    assert r.json()["errors"][0]["message"].replace(saved["id"], "X") == ghost.json()["errors"][0]["message"].replace("Vmlldzo5OTk5OTk5", "X")
    # Through the SDK: loading fails with the server's not-found message, and nothing can be overwritten.
    res = run_script(server, f"""
        import wandb_workspaces.reports.v2 as wr
        wr.Report.from_url({saved['url']!r})
        """, key=key, check=False)
    assert res.returncode != 0 and "not found" in res.output, res.output[-3000:]
    w = _raw_gql(server, "mutation($id: ID, $spec: String!) { upsertView(input: {id: $id, spec: $spec}) { inserted } }",
                 {"id": saved["id"], "spec": "{}"}, key=key)
    assert w.status_code == 404
    assert server.gql(VIEW_Q, {"id": saved["id"]})["view"]["spec"] == saved["spec"]
