"""Registries and linking with the real SDK (protocol §6.9, §7).

One org `acme` with a team `ml`: `boss` (org admin), `mel` (team member, made a member of the model registry),
`val` (an org member outside the team: reads registries as a viewer), and `out` (admin of another org). Mel logs
a model in the team project and links versions into the core `model` registry with aliases; everyone in the org
searches registries, collections and versions with Mongo filters (tags, aliases, metadata); val pulls `:best`
in a job of her own (bytes checked, lineage recorded); `out` sees nothing of acme's registries (exactly as if
they did not exist). Bad input (unknown registry, malformed filter, catastrophic regex, a type the registry does
not accept) gets a clear error and changes nothing.
"""
from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from conftest import CairnServer


def _key(output: str) -> str:
    m = re.search(r"API key: (\S+)", output)
    assert m, output
    return m.group(1)


def out_of(result) -> dict:
    """The script's `KEY value` lines (upper-case keys) as a dict of parsed JSON values."""
    found = {}
    for line in result.stdout.splitlines():
        head, _, rest = line.partition(" ")
        if head.isupper() and rest:
            found[head] = json.loads(rest)
    return found


@pytest.fixture(scope="module")
def env(server: CairnServer):
    s = uuid.uuid4().hex[:6]
    n = {k: f"{k}-{s}" for k in ("acme", "other", "ml", "boss", "mel", "val", "out")}
    keys = {u: _key(server.cli("users", "create", n[u], "--email", f"{n[u]}@example.com")) for u in ("boss", "mel", "val", "out")}
    server.cli("orgs", "create", n["acme"], "--admin", n["boss"])
    server.cli("orgs", "create", n["other"], "--admin", n["out"])
    server.cli("teams", "create", n["ml"], "--org", n["acme"])
    server.cli("members", "add", n["ml"], n["mel"], "--role", "member")
    server.cli("members", "add", n["acme"], n["val"], "--role", "member")
    return {"names": n, "keys": keys}


def gql(server: CairnServer, query: str, variables: dict, key: str):
    r = requests.post(server.url + "/graphql", json={"query": query, "variables": variables}, auth=("api", key), timeout=30)
    return r.status_code, r.json()


LOG_AND_LINK = """
import json, wandb
run = wandb.init(entity="{ml}", project="train", id="train-{tag}")
links = []
for i, (acc, tags, aliases) in enumerate({versions!r}):
    art = wandb.Artifact("churn-model", type="model", metadata={{"accuracy": acc, "framework": "sk" if i % 2 else "torch"}})
    with art.new_file("weights.txt") as f:
        f.write("weights %d" % i)
    run.log_artifact(art)
    art.wait()
    art.tags = tags
    art.save()
    if i == 1:
        linked = art.link("{org}/wandb-registry-model/churn", aliases=aliases)  # the Artifact.link path
    else:
        linked = run.link_artifact(art, "{org}/wandb-registry-model/churn", aliases=aliases)
    links.append({{"version": linked.version, "aliases": sorted(linked.aliases), "name": linked.qualified_name,
                  "project": linked.project, "entity": linked.entity, "source": linked.source_qualified_name}})
run.finish()
print("LINKS", json.dumps(links))
"""


def test_link_search_pull_and_isolation(server, run_script, env):
    n, keys = env["names"], env["keys"]
    org = n["acme"]

    # The core model registry exists in every org: boss adds mel as a registry member (registry role member).
    setup = run_script(server, f"""
import json, wandb
api = wandb.Api()
reg = api.registry("model", organization="{org}")
print("REG", json.dumps({{"name": reg.name, "types": list(reg.artifact_types), "all": reg.allow_all_artifact_types, "visibility": reg.visibility}}))
""", key=keys["boss"])
    assert out_of(setup)["REG"] == {"name": "model", "types": ["model"], "all": False, "visibility": "organization"}
    mel_id = server.gql("{ viewer { id } }", key=keys["mel"])["viewer"]["id"]
    run_script(server, f"""
import json, wandb
reg = wandb.Api().registry("model", organization="{org}")
reg.add_members("{mel_id}")
reg.update_member("{mel_id}", "member")
print("MEMBERS", json.dumps(sorted([m.user.username, m.role] for m in reg.user_members())))
""", key=keys["boss"])

    # Mel logs three versions in the team project and links them, moving `best` and keeping `latest` current.
    versions = [(0.80, ["baseline"], ["best", "candidate"]), (0.85, ["tuned"], ["candidate"]), (0.93, ["tuned", "final"], ["best"])]
    linked = out_of(run_script(server, LOG_AND_LINK.format(ml=n["ml"], org=org, tag="a", versions=versions), key=keys["mel"]))["LINKS"]
    assert [l["version"] for l in linked] == ["v0", "v1", "v2"]
    assert linked[0]["aliases"] == ["best", "candidate", "latest"]
    assert [l["project"] for l in linked] == ["wandb-registry-model"] * 3
    assert linked[2]["name"] == f"{org}/wandb-registry-model/churn:v2"
    assert linked[2]["source"] == f"{n['ml']}/train/churn-model:v2"

    # Aliases are unique per collection (assigning moves them); `latest` is the newest link.
    status, body = gql(server, """query($e: String!) { project(entityName: $e, name: "wandb-registry-model") {
        artifactCollection(name: "churn") { __typename aliases { edges { node { alias } } }
          artifacts { edges { version node { versionIndex aliases { alias artifactCollection { name } } } } } } } }""",
                       {"e": org}, keys["val"])
    assert status == 200, body
    coll = body["data"]["project"]["artifactCollection"]
    assert coll["__typename"] == "ArtifactPortfolio"
    by_version = {e["version"]: sorted(a["alias"] for a in e["node"]["aliases"] if a["artifactCollection"]["name"] == "churn")
                  for e in coll["artifacts"]["edges"]}
    assert by_version == {"v0": [], "v1": ["candidate"], "v2": ["best", "latest"]}

    # Everyone in the org searches: registries, collections, versions by metadata, tags and aliases.
    search = run_script(server, f"""
import json, wandb
api = wandb.Api()
regs = [r.name for r in api.registries(organization="{org}")]
reg = api.registry("model", organization="{org}")
def names(it):
    return sorted(v.name for v in it)
print("REGS", json.dumps(sorted(regs)))
print("COLLS", json.dumps([c.name for c in reg.collections(filter={{"name": {{"$regex": "^ch"}}}})]))
print("NOCOLLS", json.dumps([c.name for c in reg.collections(filter={{"name": "nope"}})]))
print("ACC", json.dumps(names(reg.versions(filter={{"metadata.accuracy": {{"$gt": 0.9}}}}))))
print("ACCRANGE", json.dumps(names(reg.versions(filter={{"$and": [{{"metadata.accuracy": {{"$gte": 0.8}}}}, {{"metadata.accuracy": {{"$lt": 0.9}}}}]}}))))
print("TAG", json.dumps(names(reg.versions(filter={{"tag": "tuned"}}))))
print("TAGALL", json.dumps(names(reg.versions(filter={{"tag": {{"$all": ["tuned", "final"]}}}}))))
print("ALIAS", json.dumps(names(reg.versions(filter={{"alias": "best"}}))))
print("ALIASIN", json.dumps(names(reg.versions(filter={{"alias": {{"$in": ["candidate", "latest"]}}}}))))
print("NOALIAS", json.dumps(names(reg.versions(filter={{"alias": {{"$exists": False}}}}))))
print("OR", json.dumps(names(reg.versions(filter={{"$or": [{{"metadata.framework": "sk"}}, {{"tag": "baseline"}}]}}))))
print("NOR", json.dumps(names(reg.versions(filter={{"$nor": [{{"metadata.framework": "sk"}}]}}))))
print("NOT", json.dumps(names(reg.versions(filter={{"metadata.framework": {{"$not": {{"$eq": "torch"}}}}}}))))
print("NE", json.dumps(names(reg.versions(filter={{"tag": {{"$ne": "tuned"}}}}))))
print("NIN", json.dumps(names(reg.versions(filter={{"metadata.accuracy": {{"$nin": [0.8, 0.93]}}}}))))
print("CONTAINS", json.dumps(names(reg.versions(filter={{"metadata.framework": {{"$contains": "orc"}}}}))))
print("VERSION", json.dumps(names(reg.versions(filter={{"version": "v1"}}))))
paged = reg.versions(per_page=1)
print("PAGED", json.dumps([v.name for v in paged]))
""", key=keys["val"])
    found = out_of(search)
    assert "model" in found["REGS"] and "dataset" in found["REGS"]
    assert found["COLLS"] == ["churn"] and found["NOCOLLS"] == []
    assert found["ACC"] == ["churn:v2"]
    assert found["ACCRANGE"] == ["churn:v0", "churn:v1"]
    assert found["TAG"] == ["churn:v1", "churn:v2"]
    assert found["TAGALL"] == ["churn:v2"]
    assert found["ALIAS"] == ["churn:v2"]
    assert found["ALIASIN"] == ["churn:v1", "churn:v2"]
    assert found["NOALIAS"] == ["churn:v0"]
    assert found["OR"] == ["churn:v0", "churn:v1"]
    assert found["NOR"] == ["churn:v0", "churn:v2"]
    assert found["NOT"] == ["churn:v1"]
    assert found["NE"] == ["churn:v0"]
    assert found["NIN"] == ["churn:v1"]
    assert found["CONTAINS"] == ["churn:v0", "churn:v2"]
    assert found["VERSION"] == ["churn:v1"]
    assert sorted(found["PAGED"]) == ["churn:v0", "churn:v1", "churn:v2"]

    # Val (not in the team) pulls :best in a job of her own: the bytes of v2, recorded as the run's input.
    pulled = run_script(server, f"""
import json, os, wandb
run = wandb.init(project="serve", id="serve-1")
art = run.use_artifact("{org}/wandb-registry-model/churn:best")
path = art.download()
with open(os.path.join(path, "weights.txt")) as f:
    print("BYTES", json.dumps(f.read()))
print("META", json.dumps(art.metadata))
print("SOURCE", json.dumps([art.source_entity, art.source_project]))
print("ID", json.dumps(art.id))
run.finish()
""", key=keys["val"])
    found = out_of(pulled)
    assert found["BYTES"] == "weights 2"
    assert found["META"] == {"accuracy": 0.93, "framework": "torch"}
    # The pull is the run's input (the SDK shows inputs only with a readable source project: asked by GraphQL).
    status, body = gql(server, """query($e: String!) { project(entityName: $e, name: "serve") { run(name: "serve-1") {
        inputArtifacts { edges { node { id versionIndex artifactSequence { name project { name } } } } } } } }""", {"e": n["val"]}, keys["val"])
    inputs = [e["node"] for e in body["data"]["project"]["run"]["inputArtifacts"]["edges"]]
    assert [(i["id"], i["artifactSequence"]["name"], i["artifactSequence"]["project"]) for i in inputs] == [(found["ID"], "churn-model", None)]

    # Mel, who can read the source project, sees the linked version's lineage through the registry path.
    lineage = out_of(run_script(server, f"""
import json, wandb
api = wandb.Api()
a = api.artifact("{org}/wandb-registry-model/churn:v2")
print("LINEAGE", json.dumps({{"source": a.source_qualified_name, "run": a.logged_by().id, "meta": a.metadata,
    "id": a.id, "linked": a.is_link}}))
""", key=keys["mel"]))["LINEAGE"]
    assert lineage["source"] == f"{n['ml']}/train/churn-model:v2"
    assert lineage["run"] == "train-a" and lineage["meta"]["accuracy"] == 0.93
    assert lineage["linked"] is True and lineage["id"] == found["ID"]
    # ... and the site admin sees val's job among the version's users.
    used_by = server.gql("""query($id: ID!) { artifact(id: $id) { usedBy { edges { node { name } } } } }""", {"id": found["ID"]})
    assert [e["node"]["name"] for e in used_by["artifact"]["usedBy"]["edges"]] == ["serve-1"]

    # The outsider: the org, its registries and the linked versions look exactly like names that do not exist.
    outside = run_script(server, f"""
import json, wandb
api = wandb.Api()
res = {{}}
for label, fn in {{
    "registry": lambda: api.registry("model", organization="{org}"),
    "registries": lambda: list(api.registries(organization="{org}")),
    "artifact": lambda: api.artifact("{org}/wandb-registry-model/churn:v2"),
    "nonexistent": lambda: api.registry("model", organization="no-such-org-{n['acme']}"),
}}.items():
    try:
        fn()
        res[label] = "ok"
    except Exception as e:
        res[label] = type(e).__name__
print("OUT", json.dumps(res))
""", key=keys["out"])
    res = out_of(outside)["OUT"]
    assert res["registry"] != "ok" and res["registries"] != "ok" and res["artifact"] != "ok"
    assert res["registry"] == res["nonexistent"]
    status, body = gql(server, """query($o: String!) { organization(name: $o) { id } }""", {"o": org}, keys["out"])
    assert status == 200 and body["data"]["organization"] is None
    status, body = gql(server, """query($e: String!) { project(entityName: $e, name: "wandb-registry-model") { id } }""", {"e": org}, keys["out"])
    assert status == 200 and body["data"]["project"] is None


def _versions(server: CairnServer, org: str, key: str, collection: str) -> list[str]:
    status, body = gql(server, """query($o: String!, $c: JSONString) { organization(name: $o) { orgEntity {
        artifactMemberships(collectionFilters: $c) { edges { node { versionIndex artifactCollection { name } } } } } } }""",
                       {"o": org, "c": json.dumps({"name": collection})}, key)
    assert status == 200, body
    return [f"v{e['node']['versionIndex']}" for e in body["data"]["organization"]["orgEntity"]["artifactMemberships"]["edges"]]


def test_bad_input_changes_nothing(server, run_script, env):
    n, keys = env["names"], env["keys"]
    org = n["acme"]
    mel_id = server.gql("{ viewer { id } }", key=keys["mel"])["viewer"]["id"]
    run_script(server, f"""
import wandb
reg = wandb.Api().registry("model", organization="{org}")
reg.add_members("{mel_id}")
reg.update_member("{mel_id}", "member")
""", key=keys["boss"])
    # A dataset cannot go into the model registry; an unknown registry is not found; nothing is linked.
    tried = run_script(server, f"""
import json, wandb
run = wandb.init(entity="{n['ml']}", project="data", id="data-1")
art = wandb.Artifact("rows", type="dataset")
with art.new_file("rows.csv") as f:
    f.write("a,b\\n1,2\\n")
run.log_artifact(art)
art.wait()
res = {{}}
for label, target in [("type", "{org}/wandb-registry-model/rows"), ("unknown", "{org}/wandb-registry-nope/rows")]:
    try:
        art.link(target)
        res[label] = "ok"
    except Exception as e:
        res[label] = str(e)
run.finish()
print("RES", json.dumps(res))
""", key=keys["mel"])
    res = out_of(tried)["RES"]
    assert "accepts artifact types model" in res["type"] and "dataset" in res["type"], res
    assert "not found" in res["unknown"], res
    assert _versions(server, org, keys["boss"], "rows") == []

    # A malformed filter and a catastrophic regex: 400 with the reason, from GraphQL and through the SDK.
    q = """query($o: String!, $f: JSONString) { organization(name: $o) { orgEntity {
        artifactMemberships(filters: $f) { edges { node { versionIndex } } } } } }"""
    for bad, reason in [("{nope", "not valid JSON"), ('{"metadata.x": {"$where": "1"}}', "unknown filter operator"),
                        ('{"color": "red"}', "unknown version filter field"),
                        ('{"alias": {"$regex": "(a+)+$"}}', "nested repetition")]:
        status, body = gql(server, q, {"o": org, "f": bad}, keys["val"])
        assert status == 400 and reason in body["errors"][0]["message"], (bad, status, body)
    regex = run_script(server, f"""
import wandb
reg = wandb.Api().registry("model", organization="{org}")
try:
    list(reg.versions(filter={{"alias": {{"$regex": "(x*)*y"}}}}))
    print("RESULT ok")
except Exception as e:
    print("RESULT", type(e).__name__, str(e).replace("\\n", " "))
""", key=keys["val"], check=False)
    assert "RESULT ok" not in regex.stdout and "nested repetition" in regex.output, regex.output[-2000:]

    # Viewers (val's default role in an organization-visible registry) cannot link.
    viewer = run_script(server, f"""
import wandb
run = wandb.init(project="mine", id="mine-1")
art = wandb.Artifact("m", type="model")
with art.new_file("w.txt") as f:
    f.write("w")
run.log_artifact(art)
art.wait()
try:
    run.link_artifact(art, "{org}/wandb-registry-model/churn-viewer")
    print("RESULT ok")
except Exception as e:
    print("RESULT", type(e).__name__, str(e).replace("\\n", " "))
run.finish()
""", key=keys["val"])
    # (SDK 0.23 reports the 403 as "Permission denied"; newer ones show the server's reason.)
    assert "RESULT ok" not in viewer.stdout, viewer.output[-2000:]
    assert "admin or member role" in viewer.output or "Permission denied" in viewer.output, viewer.output[-2000:]
    assert _versions(server, org, keys["boss"], "churn-viewer") == []


def test_custom_registry_restricted_members_rename_unlink(server, run_script, env):
    n, keys = env["names"], env["keys"]
    org = n["acme"]
    val_id = server.gql("{ viewer { id } }", key=keys["val"])["viewer"]["id"]
    made = run_script(server, f"""
import json, wandb
api = wandb.Api()
reg = api.create_registry("vision", visibility="restricted", organization="{org}", description="CV models",
                          artifact_types=["model", "checkpoint"])
print("MADE", json.dumps({{"name": reg.name, "vis": reg.visibility, "types": sorted(reg.artifact_types), "all": reg.allow_all_artifact_types}}))
try:
    api.create_registry("vision", visibility="organization", organization="{org}")
    print("DUP ok")
except ValueError as e:
    print("DUP", json.dumps(str(e)))
""", key=keys["boss"])
    found = out_of(made)
    assert found["MADE"] == {"name": "vision", "vis": "restricted", "types": ["checkpoint", "model"], "all": False}
    assert "different name" in found["DUP"]

    # Restricted: val (an org member, not a registry member) does not see it at all.
    hidden = run_script(server, f"""
import json, wandb
api = wandb.Api()
try:
    api.registry("vision", organization="{org}")
    print("SEEN", json.dumps(True))
except ValueError:
    print("SEEN", json.dumps(False))
print("LIST", json.dumps(sorted(r.name for r in api.registries(organization="{org}"))))
""", key=keys["val"])
    assert out_of(hidden)["SEEN"] is False and "vision" not in out_of(hidden)["LIST"]

    # Boss links a model, makes val a viewer, renames the registry and changes its description.
    run_script(server, f"""
import wandb
run = wandb.init(entity="{n['ml']}", project="cv", id="cv-1")
art = wandb.Artifact("resnet", type="model", metadata={{"top1": 0.76}})
with art.new_file("w.bin") as f:
    f.write("resnet")
run.log_artifact(art)
art.wait()
run.link_artifact(art, "{org}/wandb-registry-vision/resnet", aliases=["prod"])
run.finish()
api = wandb.Api()
reg = api.registry("vision", organization="{org}")
reg.add_members("{val_id}")
reg.name = "vision2"
reg.description = "computer vision"
reg.save()
""", key=keys["boss"])
    seen = out_of(run_script(server, f"""
import json, wandb
api = wandb.Api()
reg = api.registry("vision2", organization="{org}")
print("REG", json.dumps({{"desc": reg.description, "vis": reg.visibility}}))
print("ROLES", json.dumps(sorted([m.user.username, m.role] for m in reg.user_members())))
print("VERS", json.dumps([v.name for v in reg.versions()]))
a = api.artifact("{org}/wandb-registry-vision2/resnet:prod")
print("SRC", json.dumps([a.source_entity, a.source_project]))
try:
    a.unlink()
    print("UNLINK ok")
except Exception as e:
    print("UNLINK", json.dumps(type(e).__name__))
""", key=keys["val"]))
    assert seen["REG"] == {"desc": "computer vision", "vis": "restricted"}
    assert seen["ROLES"] == sorted([[n["boss"], "admin"], [n["val"], "viewer"]])
    assert seen["VERS"] == ["resnet:v0"]
    assert not seen["SRC"][1]  # val cannot read the source team's project: it is not shown
    assert seen["UNLINK"] != "ok"  # a viewer cannot unlink
    assert _versions(server, org, keys["boss"], "resnet") == ["v0"]

    # The admin unlinks; then the registry (now empty) is deleted.
    done = out_of(run_script(server, f"""
import json, wandb
api = wandb.Api()
a = api.artifact("{org}/wandb-registry-vision2/resnet:v0")
a.unlink()
reg = api.registry("vision2", organization="{org}")
print("VERS", json.dumps([v.name for v in reg.versions()]))
reg.delete()
try:
    api.registry("vision2", organization="{org}")
    print("GONE", json.dumps(False))
except ValueError:
    print("GONE", json.dumps(True))
""", key=keys["boss"]))
    assert done["VERS"] == [] and done["GONE"] is True


def test_legacy_model_registry_link_model(server, run_script, env):
    n, keys = env["names"], env["keys"]
    out = out_of(run_script(server, f"""
import json, os, wandb
run = wandb.init(entity="{n['ml']}", project="legacy", id="legacy-1")
os.makedirs("model_dir", exist_ok=True)
with open("model_dir/model.txt", "w") as f:
    f.write("legacy weights")
linked = run.link_model(path="model_dir", registered_model_name="churn-legacy", aliases=["staging"])
run.finish()
api = wandb.Api()
a = api.artifact("{n['ml']}/model-registry/churn-legacy:staging")
print("LEGACY", json.dumps({{"name": a.source_qualified_name, "version": a.version, "aliases": sorted(a.aliases), "files": [f.name for f in a.files()],
    "type": a.type, "linked": a.is_link}}))
""", key=keys["mel"]))["LEGACY"]
    assert out["version"] == "v0" and out["name"].startswith(f"{n['ml']}/legacy/")
    assert out["aliases"] == ["latest", "staging"]
    assert out["files"] == ["model.txt"] and out["type"] == "model" and out["linked"] is True
