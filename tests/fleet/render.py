"""Renders deploy/kubernetes with `kubectl kustomize` and finds its objects,
for the fleet tests (manifests_test.py, agent_test.py). No API server is
involved: kustomize renders offline.

  objects = render(DIR)            every rendered object (dicts), DIR relative
                                   to the repository or absolute
  one(objects, kind, name=None)    the single object of that kind (and name)
  agent_container(objects)         the DaemonSet's reclaim container
  env_values(objects, container)   {NAME: value} from the ConfigMap keys the
                                   container's env references
  expand(s, env)                   Kubernetes' $(VAR) expansion in command/args
"""
import os
import re
import shutil
import subprocess
import sys

import yaml  # python3-yaml (scripts/setup.sh)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class RenderError(Exception):
    pass


def kubectl():
    path = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if not path:
        raise RenderError("no kubectl on PATH (scripts/setup.sh installs Debian's kubernetes-client)")
    return path


def render(directory="deploy/kubernetes"):
    path = directory if os.path.isabs(directory) else os.path.join(REPO, directory)
    proc = subprocess.run([kubectl(), "kustomize", path], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RenderError(f"kubectl kustomize {directory} failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return [o for o in yaml.safe_load_all(proc.stdout) if o]


def one(objects, kind, name=None):
    found = [o for o in objects if o.get("kind") == kind and (name is None or o["metadata"]["name"] == name)]
    if len(found) != 1:
        raise AssertionError(f"expected one {kind}{' ' + name if name else ''}, rendered {len(found)}")
    return found[0]


def agent_container(objects):
    ds = one(objects, "DaemonSet")
    containers = ds["spec"]["template"]["spec"]["containers"]
    named = [c for c in containers if c["name"] == "reclaim"]
    if len(named) != 1:
        raise AssertionError(f"the DaemonSet has {len(named)} containers named reclaim: {containers}")
    return named[0]


def env_values(objects, container):
    """Resolves the container's env as kubelet would (literal values and
    configMapKeyRef); a reference to a missing ConfigMap or key raises."""
    values = {}
    for e in container.get("env", []):
        if "value" in e:
            values[e["name"]] = expand(e["value"], values)
            continue
        ref = e.get("valueFrom", {}).get("configMapKeyRef")
        if ref is None:
            raise AssertionError(f"env {e['name']}: only value and configMapKeyRef are expected, got {e}")
        cms = [o for o in objects if o.get("kind") == "ConfigMap" and o["metadata"]["name"] == ref["name"]]
        if not cms:
            raise AssertionError(f"env {e['name']} references ConfigMap {ref['name']}, which is not rendered")
        data = cms[0].get("data", {})
        if ref["key"] not in data:
            raise AssertionError(
                f"env {e['name']} references key {ref['key']} of ConfigMap {ref['name']}, which has only {sorted(data)}")
        values[e["name"]] = data[ref["key"]]
    return values


_VAR = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(s, env):
    """$(VAR) -> env[VAR] when defined (left as is otherwise); $$ -> $."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return _VAR.sub(sub, s)


if __name__ == "__main__":
    yaml.safe_dump_all(render(sys.argv[1] if len(sys.argv) > 1 else "deploy/kubernetes"), sys.stdout)
