#!/usr/bin/env python3
"""The fleet manifests (deploy/kubernetes, deploy/canary) rendered offline with
`kubectl kustomize`, and the fields that decide whether reclaim works, and
works safely, on every node: the containerd socket mount and the argument
that points at it, the namespace and host profile, the probes, the resources,
the tolerations and node selection, the policy's ConfigMap keys.

  tests/fleet/manifests_test.py       (ctest -L fleet)
Prints one line per case and "N passed, M failed"; exits 1 on a failure.
"""
import os
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render  # noqa: E402

PASSED, FAILED = [], []


def case(fn):
    try:
        fn()
    except Exception:  # noqa: BLE001 - every error fails the case
        FAILED.append(fn.__name__)
        print(f"FAILED: {fn.__name__}")
        print("  " + traceback.format_exc().strip().replace("\n", "\n  "))
    else:
        PASSED.append(fn.__name__)
        print(f"ok: {fn.__name__}")
    return fn


try:
    OBJECTS = render.render("deploy/kubernetes")
    DS = render.one(OBJECTS, "DaemonSet", "reclaim")
    POD = DS["spec"]["template"]["spec"]
    C = render.agent_container(OBJECTS)
    ENV = render.env_values(OBJECTS, C)
except (render.RenderError, AssertionError) as e:
    print(f"FATAL: {e}", file=sys.stderr)
    sys.exit(1)
ARGV = [render.expand(a, ENV) for a in C.get("command", []) + C.get("args", [])]
SERVE = ARGV.index("serve") if "serve" in ARGV else None


def global_flag(flag):
    """The value of a global flag (before `serve`)."""
    assert SERVE is not None, f"no serve subcommand in {ARGV}"
    head = ARGV[:SERVE]
    assert head.count(flag) == 1, f"{flag} given {head.count(flag)} times before serve: {head}"
    i = head.index(flag)
    assert i + 1 < len(head), f"{flag} has no value: {head}"
    return head[i + 1]


def serve_flags(flag):
    assert SERVE is not None, f"no serve subcommand in {ARGV}"
    tail = ARGV[SERVE + 1:]
    return [tail[i + 1] for i, a in enumerate(tail) if a == flag and i + 1 < len(tail)]


def host_path_of(path):
    """The node path a container path is on, via a hostPath volume mounted at it
    or at one of its parent directories (None when no hostPath covers it)."""
    volumes = {v["name"]: v for v in POD.get("volumes", [])}
    best = None
    for m in C.get("volumeMounts", []):
        mp = m["mountPath"].rstrip("/")
        if path == mp or path.startswith(mp + "/"):
            v = volumes.get(m["name"])
            assert v is not None, f"volumeMount {m['name']} has no volume"
            if "hostPath" in v and (best is None or len(mp) > len(best[0])):
                best = (mp, v["hostPath"], m)
    if best is None:
        return None
    mp, hp, m = best
    return hp["path"].rstrip("/") + path[len(mp):], hp, m


@case
def renders_every_object_in_reclaim_system():
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in OBJECTS)
    for want in [("Namespace", "reclaim-system"), ("ServiceAccount", "reclaim"),
                 ("ConfigMap", "reclaim-policy"), ("DaemonSet", "reclaim"),
                 ("PriorityClass", "reclaim-node-agent")]:
        assert want in kinds, f"{want} not rendered: {kinds}"
    for o in OBJECTS:
        if o["kind"] in ("Namespace", "PriorityClass"):
            continue
        assert o["metadata"].get("namespace") == "reclaim-system", f"{o['kind']} {o['metadata']['name']} not in reclaim-system"


@case
def image_is_reclaim_latest_and_overridable():
    assert C["image"] == "reclaim:latest", C["image"]
    with tempfile.TemporaryDirectory() as d:
        rel = os.path.relpath(os.path.join(render.REPO, "deploy/kubernetes"), d)
        with open(os.path.join(d, "kustomization.yaml"), "w") as f:
            f.write(f"bases: [{rel}]\n"
                    "images: [{name: reclaim, newName: registry.example.com/ops/reclaim, newTag: '1.2.3'}]\n")
        got = render.agent_container(render.render(d))["image"]
    assert got == "registry.example.com/ops/reclaim:1.2.3", got


@case
def containerd_socket_is_mounted_from_the_node_where_the_arg_points():
    sock = global_flag("--containerd-address")
    assert global_flag("--store") == "containerd"
    assert sock == "/run/containerd/containerd.sock", sock
    found = host_path_of(sock)
    assert found, f"no hostPath volume covers {sock}: {C.get('volumeMounts')}"
    node_path, hp, _ = found
    assert node_path == "/run/containerd/containerd.sock", f"{sock} is {node_path} on the node"
    assert hp.get("type") in ("Directory", "Socket"), f"hostPath type {hp.get('type')}: must not create a fake one"


@case
def namespace_k8s_io_and_host_profile_kubernetes():
    assert global_flag("--namespace") == "k8s.io"
    assert global_flag("--host") == "kubernetes"


@case
def serves_only_on_a_node_local_unix_socket():
    hosts = serve_flags("-H") + serve_flags("--host")
    assert hosts == ["unix:///run/reclaim/reclaim.sock"], hosts
    found = host_path_of("/run/reclaim/reclaim.sock")
    assert found and found[0] == "/run/reclaim/reclaim.sock", f"reclaim's socket not on the node: {found}"
    assert not any("tcp://" in a for a in ARGV), ARGV
    for c in POD["containers"]:
        assert not c.get("ports"), f"container {c['name']} declares ports {c['ports']}"
    for k in ("hostNetwork", "hostPID", "hostIPC"):
        assert not POD.get(k), f"{k} is set"


@case
def policy_flags_come_from_the_configmap():
    raw = C.get("command", []) + C.get("args", [])
    used = {m.group(1) for a in raw for m in render._VAR.finditer(a) if m.group(1)}
    assert used, "no $(VAR) in the args: the policy is not from the ConfigMap"
    assert used <= set(ENV), f"args use {sorted(used - set(ENV))}, which env does not define"
    assert not any("$(" in a for a in ARGV), f"unexpanded: {ARGV}"
    data = render.one(OBJECTS, "ConfigMap", "reclaim-policy")["data"]
    referenced = {e["valueFrom"]["configMapKeyRef"]["key"] for e in C["env"] if "valueFrom" in e}
    assert referenced == set(data), f"ConfigMap keys {sorted(data)} vs referenced {sorted(referenced)}"
    assert serve_flags("--min-age") == [data["MIN_AGE"]]
    assert serve_flags("--sandbox-image") == [data["SANDBOX_IMAGE"]]
    assert serve_flags("--prune-interval") == [data["PRUNE_INTERVAL"]]
    assert serve_flags("--prune-filter") == ["dangling=false", "until=" + data["PRUNE_UNUSED_FOR"]]
    assert data["MIN_AGE"] == "2m" and data["SANDBOX_IMAGE"] == "registry.k8s.io/pause:3.6", data


@case
def probes_are_exec_on_reclaims_socket():
    for name in ("livenessProbe", "readinessProbe"):
        p = C.get(name)
        assert p, f"no {name}"
        assert set(p) & {"exec", "httpGet", "tcpSocket", "grpc"} == {"exec"}, f"{name} must be exec only: {p}"
        assert "/run/reclaim/reclaim.sock" in p["exec"]["command"], f"{name} does not look at reclaim's socket: {p}"
        assert p.get("timeoutSeconds", 1) < p.get("periodSeconds", 10), p
    assert C["livenessProbe"]["exec"]["command"] == ["test", "-S", "/run/reclaim/reclaim.sock"]
    ready = C["readinessProbe"]["exec"]["command"]
    assert ready[0] == "curl" and "--fail" in ready and ready[-1] == "http://localhost/info", ready


@case
def resources_have_requests_and_limits():
    r = C.get("resources", {})
    for kind in ("requests", "limits"):
        for res in ("cpu", "memory"):
            assert res in r.get(kind, {}), f"no {kind}.{res}: {r}"

    def mib(q):
        units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
        for u, f in units.items():
            if q.endswith(u):
                return float(q[:-2]) * f
        return float(q) / 2**20
    assert mib(r["limits"]["memory"]) >= mib(r["requests"]["memory"]) >= 32, r


def tolerates(tolerations, taint):
    for t in tolerations:
        if t.get("effect") and t["effect"] != taint["effect"]:
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t["key"] == taint["key"]:
                return True
        elif t.get("key") == taint["key"] and t.get("value") == taint.get("value"):
            return True
    return False


@case
def tolerates_control_plane_and_any_taint():
    tol = POD.get("tolerations", [])
    for taint in [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                  {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"},
                  {"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"},
                  {"key": "dedicated", "value": "gpu", "effect": "NoExecute"}]:
        assert tolerates(tol, taint), f"does not tolerate {taint}: {tol}"


@case
def runs_on_linux_nodes_only():
    assert POD.get("nodeSelector") == {"kubernetes.io/os": "linux"}, POD.get("nodeSelector")


@case
def priority_class_outranks_workloads_not_the_system():
    pc = render.one(OBJECTS, "PriorityClass", POD.get("priorityClassName"))
    assert 0 < pc["value"] < 2000000000, pc["value"]
    assert not pc.get("globalDefault"), pc


@case
def rolling_update_with_max_unavailable():
    s = DS["spec"]["updateStrategy"]
    assert s["type"] == "RollingUpdate" and s["rollingUpdate"]["maxUnavailable"], s


@case
def root_without_privilege_and_without_an_api_token():
    sc = C.get("securityContext", {})
    assert sc.get("runAsUser") == 0, sc
    assert not sc.get("privileged") and sc.get("allowPrivilegeEscalation") is False, sc
    assert sc.get("capabilities", {}).get("drop") == ["ALL"] and not sc["capabilities"].get("add"), sc
    assert sc.get("readOnlyRootFilesystem") is True, sc
    assert POD.get("automountServiceAccountToken") is False
    sa = render.one(OBJECTS, "ServiceAccount", POD["serviceAccountName"])
    assert sa.get("automountServiceAccountToken") is False, sa
    assert not [o for o in OBJECTS if o["kind"] in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")]


@case
def host_mounts_are_only_the_two_socket_directories():
    paths = sorted(v["hostPath"]["path"] for v in POD["volumes"] if "hostPath" in v)
    assert paths == ["/run/containerd", "/run/reclaim"], paths
    mounts = {m["mountPath"]: m for m in C["volumeMounts"]}
    assert mounts["/run/containerd"].get("readOnly") is True, mounts


@case
def canary_overlay_is_ondelete_with_the_same_agent():
    objs = render.render("deploy/canary")
    ds = render.one(objs, "DaemonSet", "reclaim")
    assert ds["spec"]["updateStrategy"] == {"type": "OnDelete"}, ds["spec"]["updateStrategy"]
    assert render.agent_container(objs) == C


print(f"{len(PASSED)} passed, {len(FAILED)} failed")
sys.exit(1 if FAILED else 0)
