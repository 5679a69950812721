# The official Python client (Debian's python3-kubernetes) against a kubelab server, as a user's
# script would drive it. Prints one JSON object: what each step saw; test/python-client.test.ts
# asserts on it. Usage: client-scenario.py KUBECONFIG NAMESPACE
import json
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

config.load_kube_config(config_file=sys.argv[1])
ns = sys.argv[2]
core = client.CoreV1Api()
apps = client.AppsV1Api()
out = {}


def cm(name, data=None, labels=None):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data)


def failure(call):
    """The ApiException a call raises, as (status, reason from the Status body)."""
    try:
        call()
    except ApiException as e:
        return {"status": e.status, "reason": json.loads(e.body).get("reason")}
    return None


core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))

# CRUD
core.create_namespaced_config_map(ns, cm("crud", {"a": "1"}))
got = core.read_namespaced_config_map("crud", ns)
got.data["a"] = "2"
replaced = core.replace_namespaced_config_map("crud", ns, got)
out["crud"] = {"read": got.metadata.name, "replaced": replaced.data["a"],
               "listed": [c.metadata.name for c in core.list_namespaced_config_map(ns).items]}
core.delete_namespaced_config_map("crud", ns)
out["crud"]["afterDelete"] = failure(lambda: core.read_namespaced_config_map("crud", ns))

# Errors as ApiException with the HTTP status and the Status reason
core.create_namespaced_config_map(ns, cm("dup"))
out["errors"] = {
    "notFound": failure(lambda: core.read_namespaced_config_map("missing", ns)),
    "conflict": failure(lambda: core.create_namespaced_config_map(ns, cm("dup"))),
    "invalid": failure(lambda: core.create_namespaced_config_map(ns, cm("Bad_Name"))),
}

# Pagination: limit and continue
for i in range(5):
    core.create_namespaced_config_map(ns, cm(f"page-{i}", labels={"set": "paged"}))
pages, token = [], None
while True:
    page = core.list_namespaced_config_map(ns, label_selector="set=paged", limit=2, _continue=token)
    pages.append([c.metadata.name for c in page.items])
    token = page.metadata._continue
    if not token:
        break
out["pages"] = pages

# Watch: the existing objects arrive as ADDED, then one created during the watch, then stop
w = watch.Watch()
seen = []
for event in w.stream(core.list_namespaced_config_map, ns, label_selector="set=paged", timeout_seconds=10):
    seen.append([event["type"], event["object"].metadata.name])
    if len(seen) == 5:
        core.create_namespaced_config_map(ns, cm("page-late", labels={"set": "paged"}))
    if len(seen) == 6:
        w.stop()
out["watch"] = seen

# Scale subresource, and the status a just-created Deployment carries
labels = {"app": "web"}
dep = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="web"),
    spec=client.V1DeploymentSpec(
        replicas=1,
        selector=client.V1LabelSelector(match_labels=labels),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels=labels),
            spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="kubelab/web:1")]))))
created = apps.create_namespaced_deployment(ns, dep)
out["deploymentStatus"] = {"present": created.status is not None,
                           "availableReplicas": created.status.available_replicas if created.status else "no status"}
apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
scale = apps.read_namespaced_deployment_scale("web", ns)
after_patch = scale.spec.replicas
scale.spec.replicas = 4
replaced_scale = apps.replace_namespaced_deployment_scale("web", ns, scale)
out["scale"] = {"afterPatch": after_patch,
                "afterReplace": replaced_scale.spec.replicas,
                "deployment": apps.read_namespaced_deployment("web", ns).spec.replicas}

# Patches: strategic merge (a dict), JSON patch (a list), merge patch (by Content-Type)
core.create_namespaced_config_map(ns, cm("patched", {"a": "1"}))
core.patch_namespaced_config_map("patched", ns, {"data": {"b": "2"}})
core.patch_namespaced_config_map("patched", ns, [{"op": "replace", "path": "/data/a", "value": "10"}])
api_client = core.api_client
api_client.set_default_header("Content-Type", "application/merge-patch+json")
try:
    core.patch_namespaced_config_map("patched", ns, {"data": {"b": None, "c": "3"}})
finally:
    del api_client.default_headers["Content-Type"]
out["patched"] = core.read_namespaced_config_map("patched", ns).data

# Pod logs of a pod no node runs: a 400 the client raises, not a hang
core.create_namespaced_pod(ns, client.V1Pod(metadata=client.V1ObjectMeta(name="nolog"),
                                            spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="kubelab/busybox")])))
out["logs"] = failure(lambda: core.read_namespaced_pod_log("nolog", ns))

print(json.dumps(out))
