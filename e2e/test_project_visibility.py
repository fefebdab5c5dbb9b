"""Project visibility with the real SDK: organization-visible, restricted and public projects of a team.

One org `acme` with a team `ml` (member mel), an org viewer `orv` who is not in the team, `car` who is in
no org or team (named on a restricted project), and an outsider `out` in another org. Visibility is set with
`cairn projects visibility` / `cairn projects members add` and through GraphQL upsertModel(access: ...).
"""
from __future__ import annotations

import json
import re
import uuid

import pytest


def _key(output: str) -> str:
    m = re.search(r"API key: (\S+)", output)
    assert m, output
    return m.group(1)


@pytest.fixture(scope="module")
def org(server):
    s = uuid.uuid4().hex[:8]
    n = {k: f"{k}-{s}" for k in ("acme", "other", "ml", "ann", "mel", "orv", "car", "out")}
    keys = {u: _key(server.cli("users", "create", n[u], "--email", f"{n[u]}@example.com")) for u in ("ann", "mel", "orv", "car", "out")}
    server.cli("orgs", "create", n["acme"], "--admin", n["ann"])
    server.cli("orgs", "create", n["other"], "--admin", n["out"])
    server.cli("teams", "create", n["ml"], "--org", n["acme"])
    server.cli("members", "add", n["ml"], n["mel"], "--role", "member")
    server.cli("members", "add", n["acme"], n["orv"], "--role", "viewer")
    return {"names": n, "keys": keys}


LOG = """
import wandb
run = wandb.init(entity="{entity}", project="{project}", id="{run_id}", config={{"lr": 0.1}})
for i in range(3):
    run.log({{"loss": 1 / (i + 1)}})
run.finish()
"""

TRY_INIT = """
import wandb
try:
    run = wandb.init(entity="{entity}", project="{project}", id="{run_id}")
    run.log({{"x": 1}})
    run.finish()
    print("RESULT ok")
except Exception as e:
    print("RESULT", type(e).__name__, str(e).replace("\\n", " "))
"""

# Reads each entity/project and prints what the public API answers, with the names masked.
READ = """
import wandb
api = wandb.Api()
for label, path in {paths!r}:
    entity, project = path.split("/")
    for kind, call in (("run", lambda: api.run(path + "/r1")), ("runs", lambda: [r.id for r in api.runs(path)])):
        try:
            got = call()
            print(label, kind, "found", got.id + " " + str(len(got.history(pandas=False))) if kind == "run" else got)
        except Exception as e:
            print(label, kind, type(e).__name__, str(e).replace(path, "<path>").replace(project, "<project>").replace(entity, "<entity>"))
"""


def _read(run_script, server, key: str, paths: list[tuple[str, str]]) -> dict[str, str]:
    out = run_script(server, READ.format(paths=paths), key=key).stdout
    labels = {label for label, _ in paths}
    rows = [line.split(" ", 2) for line in out.splitlines() if line.split(" ", 1)[0] in labels]
    return {f"{label} {kind}": rest for label, kind, rest in rows}


def _result(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("RESULT ")).split(" ", 1)[1]


def _runs(server, entity: str, project: str) -> list[str]:
    data = server.gql("query($e: String, $p: String) { project(entityName: $e, name: $p) { runs { edges { node { name } } } } }",
                      {"e": entity, "p": project})
    return sorted(e["node"]["name"] for e in (data["project"] or {"runs": {"edges": []}})["runs"]["edges"])


def test_org_member_reads_org_visible_project_not_private_one(server, run_script, project, org):
    n, keys = org["names"], org["keys"]
    shared, private = project + "-org", project + "-priv"
    for p in (shared, private):
        run_script(server, LOG.format(entity=n["ml"], project=p, run_id="r1"), key=keys["mel"])
    assert "private -> organization" in server.cli("projects", "visibility", f"{n['ml']}/{shared}", "organization")

    got = _read(run_script, server, keys["orv"], [("ORG", f"{n['ml']}/{shared}"), ("PRIV", f"{n['ml']}/{private}"),
                                                   ("GHOST", f"{n['ml']}/no-such-{project}")])
    assert got["ORG run"] == "found r1 3" and got["ORG runs"] == "found ['r1']"
    # A private project of a team the org viewer is not in answers exactly like one that does not exist.
    assert got["PRIV run"] == got["GHOST run"] and "not found" in got["PRIV run"], got
    assert got["PRIV runs"] == got["GHOST runs"], got

    # Readable is not writable: the org viewer's run is refused with a clear 403 and nothing is stored.
    denied = _result(run_script(server, TRY_INIT.format(entity=n["ml"], project=shared, run_id="o1"), key=keys["orv"]).stdout)
    assert "permission denied" in denied and "viewer role" in denied, denied
    assert _runs(server, n["ml"], shared) == ["r1"]


def test_restricted_project_named_viewer_reads_but_cannot_log(server, run_script, project, org):
    n, keys = org["names"], org["keys"]
    ref = f"{n['ml']}/{project}"
    run_script(server, LOG.format(entity=n["ml"], project=project, run_id="r1"), key=keys["mel"])
    before = _read(run_script, server, keys["car"], [("R", ref)])
    assert "not found" in before["R run"], before
    server.cli("projects", "visibility", ref, "restricted")
    assert "-> viewer" in server.cli("projects", "members", "add", ref, n["car"], "--role", "viewer")

    got = _read(run_script, server, keys["car"], [("R", ref)])
    assert got["R run"] == "found r1 3" and got["R runs"] == "found ['r1']", got
    denied = _result(run_script(server, TRY_INIT.format(entity=n["ml"], project=project, run_id="c1"), key=keys["car"]).stdout)
    assert "permission denied" in denied and "viewer role" in denied, denied
    assert _runs(server, n["ml"], project) == ["r1"]
    # The team member who is not named no longer sees it (entity admins and named members only).
    hidden = _read(run_script, server, keys["mel"], [("R", ref), ("GHOST", f"{n['ml']}/no-such-{project}")])
    assert hidden["R run"] == hidden["GHOST run"] and "not found" in hidden["R run"], hidden

    server.cli("projects", "members", "remove", ref, n["car"])
    events = [json.loads(line) for line in server.cli("audit", "--json", "--limit", "200").splitlines()]
    mine = [(e["action"], e["target"]) for e in events if e["action"].startswith("project.") and ref in (e["target"], (e["detail"] or {}).get("project"))]
    assert ("project.visibility", ref) in mine and ("project.member.add", n["car"]) in mine and ("project.member.remove", n["car"]) in mine


def test_public_project_readable_by_outsider_not_writable(server, run_script, project, org):
    n, keys = org["names"], org["keys"]
    run_script(server, LOG.format(entity=n["ml"], project=project, run_id="r1"), key=keys["mel"])
    # Through the GraphQL the SDK uses (upsertModel; W&B's USER_READ = public, read-only), as the org admin.
    q = "mutation($i: UpsertModelInput!) { upsertModel(input: $i) { project { name access } } }"
    data = server.gql(q, {"i": {"entityName": n["ml"], "name": project, "access": "USER_READ"}}, key=keys["ann"])
    assert data["upsertModel"]["project"] == {"name": project, "access": "USER_READ"}

    got = _read(run_script, server, keys["out"], [("PUB", f"{n['ml']}/{project}")])
    assert got["PUB run"] == "found r1 3" and got["PUB runs"] == "found ['r1']", got
    denied = _result(run_script(server, TRY_INIT.format(entity=n["ml"], project=project, run_id="x1"), key=keys["out"]).stdout)
    assert "permission denied" in denied, denied
    assert _runs(server, n["ml"], project) == ["r1"]
