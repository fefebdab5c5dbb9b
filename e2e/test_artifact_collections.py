"""Artifact behaviour the upstream system tests (tests/system_tests/test_artifacts) found missing: collection
save (rename, describe, retype, tags), version order from `api.artifacts(order=...)`, the public API's
`Run.log_artifact` (a run that logs an existing version lists it as an output), storage regions, and run ids
with characters such as `=`. Each through the real SDK."""
import json
import uuid

import requests

from conftest import ADMIN_KEY


def out_of(result) -> dict:
    """The script's `KEY value` lines (upper-case keys) as a dict."""
    return dict(line.split(" ", 1) for line in result.stdout.splitlines()
                if " " in line and line.split(" ", 1)[0].isupper())


def gql(server, query, variables, key=ADMIN_KEY):
    r = requests.post(server.url + "/graphql", json={"query": query, "variables": variables}, auth=("api", key), timeout=30)
    return r.status_code, r.json()


def log_versions(run_script, server, project, name, texts, typ="data"):
    """Logs one version of artifact `name` per text, in order."""
    run_script(server, f"""
        import wandb
        for i, text in enumerate({texts!r}):
            with wandb.init(project="{project}", id="log-{name}-" + str(i)) as run:
                art = wandb.Artifact("{name}", type="{typ}")
                with art.new_file("f.txt") as f:
                    f.write(text)
                run.log_artifact(art).wait()
    """)


def test_collection_save_renames_retypes_and_tags(server, run_script, project):
    log_versions(run_script, server, project, "seq", ["one", "two"])
    r = run_script(server, f"""
        import wandb
        api = wandb.Api()
        c = api.artifact_collection("data", "admin/{project}/seq")
        c.description = "cleaned"
        c.name = "renamed"
        c.type = "curated"
        c.tags = ["gold", "v-2"]
        c.save()
        c = api.artifact_collection("curated", "admin/{project}/renamed")
        print("COLL", c.name, c.type, c.description, sorted(c.tags))
        a = api.artifact("admin/{project}/renamed:v0")
        print("VERSION", a.type, a.collection.name)
        c.tags = ["gold"]
        c.save()
        print("TAGS", sorted(api.artifact_collection("curated", "admin/{project}/renamed").tags))
        print("TYPES", sorted(t.name for t in api.artifact_types("admin/{project}")))
    """)
    out = out_of(r)
    assert out["COLL"] == "renamed curated cleaned ['gold', 'v-2']"
    # Every version moves with its collection: it reports the new type and name.
    assert out["VERSION"] == "curated renamed"
    assert out["TAGS"] == "['gold']"
    assert "curated" in out["TYPES"]
    # The old name is free: nothing answers to it any more.
    status, body = gql(server, """query($e: String!, $p: String!) { project(entityName: $e, name: $p) {
        artifactCollection(name: "seq") { name } } }""", {"e": "admin", "p": project})
    assert status == 200 and body["data"]["project"]["artifactCollection"] is None


def test_collection_save_refuses_taken_names_reserved_types_and_bad_tags(server, run_script, project):
    log_versions(run_script, server, project, "first", ["a"])
    log_versions(run_script, server, project, "second", ["b"])
    status, body = gql(server, """query($e: String!, $p: String!) { project(entityName: $e, name: $p) {
        artifactCollection(name: "second") { id } } }""", {"e": "admin", "p": project})
    seq_id = body["data"]["project"]["artifactCollection"]["id"]
    update = "mutation($i: UpdateArtifactSequenceInput!) { updateArtifactSequence(input: $i) { artifactCollection { name } } }"
    move = "mutation($i: MoveArtifactSequenceInput!) { moveArtifactSequence(input: $i) { artifactCollection { name } } }"
    tags = """mutation($i: CreateArtifactCollectionTagAssignmentsInput!) {
        createArtifactCollectionTagAssignments(input: $i) { tags { name } } }"""

    status, body = gql(server, update, {"i": {"artifactSequenceID": seq_id, "name": "first"}})
    assert status == 409 and "already exists" in body["errors"][0]["message"]
    status, body = gql(server, update, {"i": {"artifactSequenceID": seq_id, "name": "has/slash"}})
    assert status == 400 and "invalid artifact name" in body["errors"][0]["message"]
    status, body = gql(server, move, {"i": {"artifactSequenceID": seq_id, "destinationArtifactTypeName": "wandb-history"}})
    assert status == 400 and "reserved for internal use" in body["errors"][0]["message"]
    status, body = gql(server, tags, {"i": {"entityName": "admin", "projectName": project, "artifactCollectionName": "second",
                                            "tags": [{"tagName": "no/slashes"}]}})
    assert status == 400 and "invalid tag" in body["errors"][0]["message"]
    # An id that is not a sequence of this server: not found.
    status, body = gql(server, update, {"i": {"artifactSequenceID": "QXJ0aWZhY3RTZXF1ZW5jZTo5OTk5OTk5", "name": "x"}})
    assert status == 404
    # Nothing changed.
    status, body = gql(server, """query($e: String!, $p: String!) { project(entityName: $e, name: $p) {
        artifactCollection(name: "second") { name defaultArtifactType { name } tags { edges { node { name } } } } } }""",
                       {"e": "admin", "p": project})
    assert body["data"]["project"]["artifactCollection"] == {
        "name": "second", "defaultArtifactType": {"name": "data"}, "tags": {"edges": []}}


def test_collection_changes_need_write_access(server, run_script, project):
    log_versions(run_script, server, project, "mine", ["a"])
    out = server.cli("users", "create", "other" + uuid.uuid4().hex[:6])
    other_key = next(line.split()[-1] for line in out.splitlines() if "API key" in line)
    status, body = gql(server, """query($e: String!, $p: String!) { project(entityName: $e, name: $p) {
        artifactCollection(name: "mine") { id } } }""", {"e": "admin", "p": project})
    seq_id = body["data"]["project"]["artifactCollection"]["id"]
    status, _ = gql(server, "mutation($i: UpdateArtifactSequenceInput!) { updateArtifactSequence(input: $i) { artifactCollection { name } } }",
                    {"i": {"artifactSequenceID": seq_id, "name": "stolen"}}, key=other_key)
    assert status == 404
    status, body = gql(server, """query($e: String!, $p: String!) { project(entityName: $e, name: $p) {
        artifactCollection(name: "mine") { name } } }""", {"e": "admin", "p": project})
    assert body["data"]["project"]["artifactCollection"] == {"name": "mine"}


def test_artifacts_listing_order(server, run_script, project):
    log_versions(run_script, server, project, "ordered", ["a", "b", "c"])
    query = """query($e: String!, $p: String!, $o: String) { project(entityName: $e, name: $p) { artifactType(name: "data") {
        artifactCollection(name: "ordered") { artifacts(order: $o) { edges { version } } } } } }"""

    def versions(order):
        status, body = gql(server, query, {"e": "admin", "p": project, "o": order})
        if status != 200:
            return status, body["errors"][0]["message"]
        return [e["version"] for e in body["data"]["project"]["artifactType"]["artifactCollection"]["artifacts"]["edges"]]

    # Unsigned means ascending; the field in snake_case (as the SDK sends it) or camelCase.
    for order in ["version_index", "+version_index", "+versionIndex", "+created_at"]:
        assert versions(order) == ["v0", "v1", "v2"], order
    for order in ["-version_index", "-versionIndex", "-created_at", None]:
        assert versions(order) == ["v2", "v1", "v0"], order
    status, message = versions("+digest")
    assert status == 400 and "unsupported order" in message

    # The same through the SDK, where it has `order` (0.24+).
    r = run_script(server, f"""
        import wandb
        api = wandb.Api()
        try:
            for i, order in enumerate(["+version_index", "-version_index"]):
                print(f"O{{i}}", [a.version for a in api.artifacts("data", "admin/{project}/ordered", order=order)])
        except Exception as e:
            if "unexpected keyword argument 'order'" not in str(e):
                raise
            print("NOORDER yes")
    """)
    out = out_of(r)
    if "NOORDER" not in out:
        assert out["O0"] == "['v0', 'v1', 'v2']" and out["O1"] == "['v2', 'v1', 'v0']"


def test_public_api_run_log_artifact_lists_an_existing_version_as_output(server, run_script, project):
    r = run_script(server, f"""
        import wandb
        with wandb.init(project="{project}", id="creator") as run:
            art = wandb.Artifact("shared", type="dataset")
            with art.new_file("x.txt") as f:
                f.write("same bytes")
            run.log_artifact(art).wait()
        with wandb.init(project="{project}", id="later") as run:
            pass
        api = wandb.Api()
        later = api.run("admin/{project}/later")
        art = api.artifact("admin/{project}/shared:v0")
        later.log_artifact(art)
        print("LATER", [a.qualified_name for a in later.logged_artifacts()])
        print("CREATOR", [a.qualified_name for a in api.run("admin/{project}/creator").logged_artifacts()])
        again = api.artifact("admin/{project}/shared:latest")
        print("VERSION", again.version, again.logged_by().id)
    """)
    out = out_of(r)
    name = f"admin/{project}/shared:v0"
    assert out["LATER"] == out["CREATOR"] == str([name])
    # Logging identical content made no new version, and the version's creator stays the first run.
    assert out["VERSION"] == "v0 creator"


def test_create_artifact_without_any_collection_name_is_400(server, project):
    status, body = gql(server, """mutation($e: String!, $p: String!) { createArtifact(input: {entityName: $e, projectName: $p,
        artifactTypeName: "dataset", digest: "0123456789abcdef0123456789abcdef", digestAlgorithm: MANIFEST_MD5}) { artifact { id } } }""",
                       {"e": "admin", "p": project})
    assert status == 400 and "artifactCollectionName" in body["errors"][0]["message"]


def test_storage_regions(make_server, run_script, project):
    server = make_server(CAIRN_ARTIFACT_STORAGE_REGIONS="default,eu-local")
    r = run_script(server, f"""
        import hashlib, os, wandb
        with wandb.init(project="{project}", id="regions") as run:
            art = wandb.Artifact("placed", type="dataset", storage_region="eu-local")
            with art.new_file("x.txt") as f:
                f.write("region bytes")
            run.log_artifact(art).wait()
            try:
                other = wandb.Artifact("misplaced", type="dataset", storage_region="mars-1")
                with other.new_file("y.txt") as f:
                    f.write("nowhere")
                run.log_artifact(other).wait()
                print("REFUSED no")
            except ValueError as e:
                print("REFUSED", "mars-1" in str(e))
        api = wandb.Api()
        a = api.artifact("admin/{project}/placed:latest")
        path = a.download(root="dl")
        print("BYTES", open(os.path.join(path, "x.txt")).read())
        print("REGION", a.manifest.to_manifest_json()["storagePolicyConfig"].get("storageRegion"))
        try:
            api.artifact("admin/{project}/misplaced:latest")
            print("MISPLACED exists")
        except Exception:
            print("MISPLACED none")
    """)
    out = out_of(r)
    assert out["REFUSED"] == "True"
    assert out["BYTES"] == "region bytes"
    assert out["REGION"] == "eu-local"
    assert out["MISPLACED"] == "none"


def test_run_id_with_equals_and_plus_logs_a_table(server, run_script, project):
    run_id = "lr=0.1+seed@2"
    r = run_script(server, f"""
        import wandb
        with wandb.init(project="{project}", id="{run_id}") as run:
            run.log({{"tbl": wandb.Table(["a", "b"], [[1, "x"], [2, "y"]])}}, step=1)
        api = wandb.Api()
        run = api.run("admin/{project}/{run_id}")
        print("RUN", run.id)
        print("TABLES", [a.type for a in run.logged_artifacts()])
    """)
    out = out_of(r)
    assert out["RUN"] == run_id
    assert out["TABLES"] == "['run_table']"
    # The SDK's reserved characters stay refused.
    status, body = gql(server, """mutation($p: String) { upsertBucket(input: {modelName: $p, name: "a:b"}) { bucket { id } } }""",
                       {"p": project})
    assert status == 400 and "invalid run id" in body["errors"][0]["message"]


def test_delete_sequence_deletes_its_versions_and_hides_it(server, run_script, project):
    log_versions(run_script, server, project, "doomed", ["one", "two"])
    log_versions(run_script, server, project, "kept", ["stays"])
    r = run_script(server, f"""
        import base64, wandb
        api = wandb.Api()
        v0 = api.artifact("admin/{project}/doomed:v0")
        print("V0", base64.b64decode(v0.id).decode().split(":")[1])
        api.artifact_collection("data", "admin/{project}/doomed").delete()
        for name in ["doomed:latest", "doomed:v0"]:
            try:
                api.artifact("admin/{project}/" + name)
                print("FOUND", name)
            except wandb.errors.CommError:
                pass
        print("COLLECTIONS", sorted(c.name for c in api.artifact_collections("admin/{project}", "data")))
        print("KEPT", api.artifact("admin/{project}/kept:latest").version)
    """)
    out = out_of(r)
    assert "FOUND" not in out
    assert out["COLLECTIONS"] == "['kept']" and out["KEPT"] == "v0"

    # Within the grace period a version comes back, and its sequence with it.
    server.cli("artifacts-restore", out["V0"])
    r = run_script(server, f"""
        import wandb
        api = wandb.Api()
        print("RESTORED", api.artifact("admin/{project}/doomed:v0").version)
        print("COLLECTIONS", sorted(c.name for c in api.artifact_collections("admin/{project}", "data")))
        with wandb.init(project="{project}", id="relog") as run:
            art = wandb.Artifact("doomed", type="data")
            with art.new_file("f.txt") as f:
                f.write("three")
            run.log_artifact(art).wait()
        print("NEXT", api.artifact("admin/{project}/doomed:latest").version)
    """)
    out = out_of(r)
    assert out["RESTORED"] == "v0"
    assert out["COLLECTIONS"] == "['doomed', 'kept']"
    # Version numbers are never reused: v1 was deleted, the next one is v2.
    assert out["NEXT"] == "v2"


def test_delete_sequence_needs_write_access(server, run_script, project):
    log_versions(run_script, server, project, "guarded", ["a"])
    out = server.cli("users", "create", "other" + uuid.uuid4().hex[:6])
    other_key = next(line.split()[-1] for line in out.splitlines() if "API key" in line)
    status, body = gql(server, """query($e: String!, $p: String!) { project(entityName: $e, name: $p) {
        artifactCollection(name: "guarded") { id } } }""", {"e": "admin", "p": project})
    seq_id = body["data"]["project"]["artifactCollection"]["id"]
    status, _ = gql(server, "mutation($id: ID!) { deleteArtifactSequence(input: {artifactSequenceID: $id}) { artifactCollection { state } } }",
                    {"id": seq_id}, key=other_key)
    assert status == 404
    status, body = gql(server, "mutation($id: ID!) { deleteArtifactSequence(input: {artifactSequenceID: $id}) { artifactCollection { state } } }",
                       {"id": seq_id})
    assert status == 200 and body["data"]["deleteArtifactSequence"]["artifactCollection"]["state"] == "DELETED"


def test_saving_an_alias_list_without_latest_keeps_latest(server, run_script, project):
    # The SDK diffs the alias list and asks to delete `latest` too; the server moves `latest` itself.
    log_versions(run_script, server, project, "aliased", ["one"])
    r = run_script(server, f"""
        import wandb
        api = wandb.Api()
        a = api.artifact("admin/{project}/aliased:v0")
        a.aliases = ["gold"]
        a.aliases.append("checked")
        a.save()
        print("ALIASES", sorted(api.artifact("admin/{project}/aliased:v0").aliases))
        a = api.artifact("admin/{project}/aliased:v0")
        a.aliases = ["checked"]
        a.save()
        print("AFTER", sorted(api.artifact("admin/{project}/aliased:v0").aliases))
    """)
    out = out_of(r)
    assert out["ALIASES"] == "['checked', 'gold', 'latest']"
    assert out["AFTER"] == "['checked', 'latest']"
