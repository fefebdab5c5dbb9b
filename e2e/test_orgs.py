"""Organizations, teams, roles and service accounts through the `cairn` CLI and the real SDK.

One org with a team: an org admin, a team member, a team viewer, a service account, and an outsider in
another org. Members write, viewers read but cannot write (a clear 403, nothing stored), outsiders see
the team's projects and runs exactly as if they did not exist.
"""
from __future__ import annotations

import json
import re
import uuid

import pytest

from conftest import ADMIN_KEY


def _key(output: str) -> str:
    m = re.search(r"API key: (\S+)", output)
    assert m, output
    return m.group(1)


@pytest.fixture(scope="module")
def org(server):
    """Names and keys of a fresh org (unique per module run, on the shared server)."""
    s = uuid.uuid4().hex[:8]
    n = {k: f"{k}-{s}" for k in ("acme", "other", "ml", "ann", "mel", "val", "out", "bot")}
    keys = {u: _key(server.cli("users", "create", n[u], "--email", f"{n[u]}@example.com")) for u in ("ann", "mel", "val", "out")}
    server.cli("orgs", "create", n["acme"], "--admin", n["ann"])
    server.cli("orgs", "create", n["other"], "--admin", n["out"])
    server.cli("teams", "create", n["ml"], "--org", n["acme"])
    server.cli("members", "add", n["ml"], n["mel"], "--role", "member")
    server.cli("members", "add", n["ml"], n["val"], "--role", "viewer")
    keys["bot"] = _key(server.cli("users", "create", n["bot"], "--service-account", "--team", n["ml"]))
    return {"names": n, "keys": keys}


LOG = """
import wandb
run = wandb.init(entity="{entity}", project="{project}", id="{run_id}", config={{"lr": 0.1}})
for i in range(5):
    run.log({{"loss": 1 / (i + 1)}})
run.finish()
print("LOGGED", run.id)
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


def _result(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("RESULT ")).split(" ", 1)[1]


def _runs(server, entity: str, project: str) -> list[str]:
    data = server.gql("query($e: String, $p: String) { project(entityName: $e, name: $p) { runs { edges { node { name } } } } }",
                      {"e": entity, "p": project})
    return sorted(e["node"]["name"] for e in (data["project"] or {"runs": {"edges": []}})["runs"]["edges"])


def test_member_logs_viewer_reads_but_cannot_write(server, run_script, project, org):
    n, keys = org["names"], org["keys"]
    run_script(server, LOG.format(entity=n["ml"], project=project, run_id="m1"), key=keys["mel"])

    read = run_script(server, f"""
import wandb
api = wandb.Api()
run = api.run("{n['ml']}/{project}/m1")
print("READ", run.state, run.config["lr"], len(run.history(pandas=False)), [r.id for r in api.runs("{n['ml']}/{project}")])
run.config["lr"] = 9
try:
    run.update()
    print("UPDATE ok")
except Exception as e:
    print("UPDATE", type(e).__name__, e)
""", key=keys["val"])
    lines = dict(line.split(" ", 1) for line in read.stdout.splitlines() if line.split(" ", 1)[0].isupper())
    assert lines["READ"] == "finished 0.1 5 ['m1']"
    assert "viewer role" in lines["UPDATE"] and "ok" not in lines["UPDATE"]

    denied = run_script(server, TRY_INIT.format(entity=n["ml"], project=project, run_id="v1"), key=keys["val"])
    result = _result(denied.stdout)
    assert result.startswith("CommError") and "viewer role" in result, result
    # Nothing was written: no new run, the existing run's config unchanged.
    assert _runs(server, n["ml"], project) == ["m1"]
    assert json.loads(server.run(n["ml"], project, "m1", "config")["config"])["lr"]["value"] == 0.1


def test_role_change_takes_effect_at_once_and_is_audited(server, run_script, project, org):
    n, keys = org["names"], org["keys"]
    server.cli("members", "set-role", n["ml"], n["val"], "--role", "member")
    try:
        run_script(server, LOG.format(entity=n["ml"], project=project, run_id="v2"), key=keys["val"])
        assert _runs(server, n["ml"], project) == ["v2"]
    finally:
        server.cli("members", "set-role", n["ml"], n["val"], "--role", "viewer")
    events = [json.loads(line) for line in server.cli("audit", "--json", "--limit", "200").splitlines()]
    changes = [(e["action"], e["detail"]["from"], e["detail"]["to"]) for e in events
               if e["target"] == n["val"] and e["detail"] and e["detail"].get("entity") == n["ml"]]
    assert ("member.role", "member", "viewer") in changes
    assert ("member.role", "viewer", "member") in changes
    assert ("member.add", None, "viewer") in changes
    denied = run_script(server, TRY_INIT.format(entity=n["ml"], project=project, run_id="v3"), key=keys["val"])
    assert "viewer role" in _result(denied.stdout)


def test_outsider_sees_team_projects_as_not_found(server, run_script, project, org):
    n, keys = org["names"], org["keys"]
    run_script(server, LOG.format(entity=n["ml"], project=project, run_id="m1"), key=keys["mel"])
    ghost = "no-such-team-" + uuid.uuid4().hex[:6]
    r = run_script(server, f"""
import wandb
api = wandb.Api()
for label, entity in (("TEAM", "{n['ml']}"), ("GHOST", "{ghost}")):
    for kind, call in (("run", lambda: api.run(entity + "/{project}/m1")), ("runs", lambda: list(api.runs(entity + "/{project}")))):
        try:
            call()
            print(label, kind, "found")
        except Exception as e:
            print(label, kind, type(e).__name__, str(e).replace(entity, "<entity>"))
""", key=keys["out"])
    out = [line.split(" ", 1) for line in r.stdout.splitlines() if line.startswith(("TEAM ", "GHOST "))]
    team = {line[1].split(" ", 1)[0]: line[1] for line in out if line[0] == "TEAM"}
    ghost_out = {line[1].split(" ", 1)[0]: line[1] for line in out if line[0] == "GHOST"}
    assert team == ghost_out, (team, ghost_out)
    assert team["run"] != "run found" and "not found" in team["run"]

    init_team = _result(run_script(server, TRY_INIT.format(entity=n["ml"], project=project, run_id="o1"), key=keys["out"]).stdout)
    init_ghost = _result(run_script(server, TRY_INIT.format(entity=ghost, project=project, run_id="o2"), key=keys["out"]).stdout)
    assert init_team.replace(n["ml"], "<entity>") == init_ghost.replace(ghost, "<entity>")
    assert "not found" in init_team
    assert _runs(server, n["ml"], project) == ["m1"]


def test_service_account_logs_to_its_team(server, run_script, project, org):
    n, keys = org["names"], org["keys"]
    run_script(server, LOG.format(entity=n["ml"], project=project, run_id="ci1"), key=keys["bot"])
    run = server.run(n["ml"], project, "ci1", "state user { username }")
    assert run == {"state": "finished", "user": {"username": n["bot"]}}
    members = run_script(server, f"""
import wandb
team = wandb.Api().team("{n['ml']}")
for m in team.members:
    print("MEMBER", m.username, m.account_type, m.admin)
""", key=keys["mel"])
    rows = sorted(line.split(" ", 1)[1] for line in members.stdout.splitlines() if line.startswith("MEMBER "))
    assert rows == sorted([f"{n['bot']} SERVICE False", f"{n['mel']} USER False", f"{n['val']} USER False"])


def test_sdk_org_lookups(server, run_script, org):
    n, keys = org["names"], org["keys"]
    r = run_script(server, f"""
import wandb
from wandb.sdk.artifacts import _gqlutils
api = wandb.Api()
client = getattr(api, "_service_api", None) or api.client
print("TEAMORG", _gqlutils.resolve_org_entity_name(client, "{n['ml']}"))
print("USERORG", _gqlutils.resolve_org_entity_name(client, "{n['mel']}"))
if hasattr(api, "organization"):  # wandb >= 0.24
    org = api.organization()
    print("ORG", org.name, org.org_entity.name, org.org_entity.entity_type)
    for name in ("{n['other']}", "no-such-org"):
        try:
            api.organization(name)
            print("HIDDEN found")
        except Exception as e:
            print("HIDDEN", type(e).__name__, str(e).replace(name, "<org>"))
print("TEAMS", sorted(api.viewer.teams))
""", key=keys["mel"])
    lines = [line.split(" ", 1) for line in r.stdout.splitlines() if line.split(" ", 1)[0].isupper()]
    got = {}
    for k, v in lines:
        got.setdefault(k, []).append(v)
    assert got["TEAMORG"] == [n["acme"]]
    assert got["USERORG"] == [n["acme"]]
    assert got["TEAMS"] == [str(sorted([n["mel"], n["ml"]]))]
    if "ORG" in got:
        assert got["ORG"] == [f"{n['acme']} {n['acme']} organization"]
        # Another org that exists and one that does not answer alike.
        assert got["HIDDEN"][0] == got["HIDDEN"][1] and "not found" in got["HIDDEN"][0]


def test_org_admin_creates_team_and_invites(server, run_script, project, org):
    n, keys = org["names"], org["keys"]
    new_team = "vision-" + uuid.uuid4().hex[:6]
    r = run_script(server, f"""
import wandb
api = wandb.Api()
team = api.create_team("{new_team}")
print("CREATED", team.name, [(m.username, m.admin) for m in team.members])
print("INVITE", team.invite("{n['mel']}"))
print("AGAIN", team.invite("{n['mel']}"))
bot = team.create_service_account("nightly CI")
print("BOT", bot.account_type, bot.admin, bot.api_key)
""", key=keys["ann"])
    lines = dict(line.split(" ", 1) for line in r.stdout.splitlines() if line.split(" ", 1)[0].isupper())
    assert lines["CREATED"] == f"{new_team} [('{n['ann']}', True)]"
    assert lines["INVITE"] == "True"
    assert lines["AGAIN"] == "False"  # already a member
    # The SDK returns the newest member; keys are stored hashed, so none is shown (`cairn keys create` issues one).
    assert lines["BOT"] == "SERVICE False None"

    # A member may not invite (wandb 0.23 raises on the 403, later versions answer False); the invited member
    # can log at once.
    r = run_script(server, f"""
import wandb
try:
    print("INVITE", wandb.Api().team("{new_team}").invite("{n['val']}"))
except Exception as e:
    print("INVITE", type(e).__name__, e)
""", key=keys["mel"])
    invite = next(line for line in r.stdout.splitlines() if line.startswith("INVITE "))
    assert invite == "INVITE False" or ("CommError" in invite and "admin role" in invite), invite
    members = server.gql('query($n: String) { entity(name: $n) { members { username accountType } } }', {"n": new_team})
    assert [m["username"] for m in members["entity"]["members"] if m["accountType"] == "USER"] == [n["ann"], n["mel"]]
    run_script(server, LOG.format(entity=new_team, project=project, run_id="n1"), key=keys["mel"])
    assert _runs(server, new_team, project) == ["n1"]

    # The team admin removes the member: their next write is refused as for any stranger.
    r = run_script(server, f"""
import wandb
team = wandb.Api().team("{new_team}")
member = next(m for m in team.members if m.username == "{n['mel']}")
print("REMOVED", member.delete())
""", key=keys["ann"])
    assert "REMOVED True" in r.stdout
    denied = _result(run_script(server, TRY_INIT.format(entity=new_team, project=project, run_id="n2"), key=keys["mel"]).stdout)
    assert "not found" in denied
    # Outsiders and plain members cannot create teams in the org.
    r = run_script(server, f"""
import wandb
try:
    wandb.Api().create_team("rogue-{new_team}")
    print("ROGUE created")
except Exception as e:
    print("ROGUE", type(e).__name__)
""", key=keys["mel"])
    assert "ROGUE created" not in r.stdout
    assert server.gql('query($n: String) { entity(name: $n) { name } }', {"n": f"rogue-{new_team}"}, key=ADMIN_KEY)["entity"] is None


def test_user_lookup_and_default_entity(server, run_script, project, org):
    """`api.user` (the `users` search: admins only) and a server-side default entity that `wandb.init` follows."""
    n, keys = org["names"], org["keys"]
    lookup = f"""
import wandb
u = wandb.Api().user("{n['mel']}")
print("USER", u and (u.username, u.email))
"""
    assert f"USER ('{n['mel']}', '{n['mel']}@example.com')" in run_script(server, lookup).stdout
    # Another user's name finds nothing for a non-admin.
    assert "USER None" in run_script(server, lookup, key=keys["ann"]).stdout

    set_default = "mutation($e: String!) { updateUser(input: {defaultEntity: $e}) { user { id } } }"
    server.gql(set_default, {"e": n["ml"]}, key=keys["mel"])
    try:
        r = run_script(server, f"""
import wandb
print("DEFAULT", wandb.Api().default_entity)
run = wandb.init(project="{project}", id="d1")
run.log({{"x": 1}})
run.finish()
print("ENTITY", run.entity)
""", key=keys["mel"])
        assert f"DEFAULT {n['ml']}" in r.stdout and f"ENTITY {n['ml']}" in r.stdout, r.stdout
        assert _runs(server, n["ml"], project) == ["d1"]
    finally:
        server.gql(set_default, {"e": n["mel"]}, key=keys["mel"])
    assert server.gql("{ viewer { entity } }", key=keys["mel"])["viewer"]["entity"] == n["mel"]


def test_personal_entity_in_two_orgs_needs_an_org(server, run_script, org):
    """A user in two organizations must name one for a registry (the SDK's "Multiple organizations found")."""
    n, keys = org["names"], org["keys"]
    second = "second-" + uuid.uuid4().hex[:6]
    server.cli("orgs", "create", second, "--admin", n["out"])
    r = run_script(server, """
import wandb
try:
    wandb.Api().create_registry("multi", visibility="organization")
    print("RESULT created")
except Exception as e:
    print("RESULT", type(e).__name__, e)
""", key=keys["out"])
    assert "Multiple organizations found" in _result(r.stdout), r.stdout
