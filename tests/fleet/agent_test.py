#!/usr/bin/env python3
"""The DaemonSet's exact container command line, taken from the rendered
manifests (deploy/kubernetes), run against a real containerd: env from the
ConfigMap substituted for $(VAR) as kubelet does, the node paths of its
hostPath mounts rewritten into a temporary directory, `reclaim` replaced by
the binary under test. Then: the real docker CLI answers `version` and `info`
through the agent's socket and lists an image imported into k8s.io, both
probes' commands succeed, and SIGTERM stops the agent by PID, exit 0, socket
gone. The private containerd is started and stopped by PID
(scripts/containerd.sh); nothing outside the temporary directory is touched.

  tests/fleet/agent_test.py PATH/TO/reclaim       (ctest -L fleet)
Exits 1 on a failure; when reclaim rejects a flag of the DaemonSet, the
message names that flag.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render  # noqa: E402

REPO = render.REPO
FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print(f"FAILED: {msg}")


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, **kw)


def rewrite(s, mounts):
    """Every container path under a rewritten mount becomes its temp-dir path
    (also inside unix:// URLs); longest mount first."""
    for cpath, tpath in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
        s = re.sub(re.escape(cpath) + r"(?=/|$)", tpath, s)
    return s


def flags_of(argv):
    """(global flags, serve flags) of the agent's argv."""
    i = argv.index("serve")
    return ([a for a in argv[:i] if a.startswith("-")], [a for a in argv[i + 1:] if a.startswith("-")])


def rejected_flags(reclaim, argv):
    """The DaemonSet's flags that this reclaim's --help does not list."""
    glob, serve = flags_of(argv)
    top = run([reclaim, "--help"]).stdout
    sub = run([reclaim, "serve", "--help"]).stdout
    missing = [f"{f} (global)" for f in glob if not re.search(re.escape(f) + r"\b", top)]
    missing += [f"{f} (serve)" for f in serve if not re.search(re.escape(f) + r"\b", sub)]
    return missing


def main():
    if len(sys.argv) != 2:
        print("usage: agent_test.py PATH/TO/reclaim", file=sys.stderr)
        return 2
    reclaim = os.path.realpath(sys.argv[1])
    for tool in ("containerd", "ctr", "docker", "curl"):
        if not shutil.which(tool):
            print(f"FATAL: {tool} is not installed (scripts/setup.sh)", file=sys.stderr)
            return 1
    try:
        objects = render.render("deploy/kubernetes")
        container = render.agent_container(objects)
        env = render.env_values(objects, container)
    except (render.RenderError, AssertionError) as e:
        print(f"FATAL: {e}", file=sys.stderr)
        return 1
    pod = render.one(objects, "DaemonSet", "reclaim")["spec"]["template"]["spec"]
    argv = [render.expand(a, env) for a in container.get("command", []) + container.get("args", [])]
    if argv[0] != "reclaim":
        print(f"FATAL: the agent's command is {argv[0]!r}, not reclaim", file=sys.stderr)
        return 1

    tmp = tempfile.mkdtemp(prefix="reclaim-fleet-")
    ctd_dir = os.path.join(tmp, "containerd")  # the node's /run/containerd
    agent = None
    try:
        # Each hostPath mount: a directory of tmp standing for the node path.
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {}
        for m in container.get("volumeMounts", []):
            hp = volumes[m["name"]].get("hostPath")
            if hp is None:
                continue
            if hp["path"] == "/run/containerd":
                mounts[m["mountPath"]] = ctd_dir
            else:
                mounts[m["mountPath"]] = os.path.join(tmp, "node" + hp["path"])
                os.makedirs(mounts[m["mountPath"]], exist_ok=True)
        if "/run/containerd" not in [volumes[m["name"]].get("hostPath", {}).get("path")
                                     for m in container.get("volumeMounts", [])]:
            print("FATAL: the DaemonSet does not mount the node's /run/containerd", file=sys.stderr)
            return 1
        node_argv = [reclaim] + [rewrite(a, mounts) for a in argv[1:]]

        started = run([os.path.join(REPO, "scripts/containerd.sh"), "start", ctd_dir])
        if started.returncode != 0:
            print(f"FATAL: containerd did not start: {started.stderr}", file=sys.stderr)
            return 1
        ctd_sock = started.stdout.strip()
        expected = rewrite("/run/containerd/containerd.sock", mounts)
        if ctd_sock != expected:
            print(f"FATAL: containerd listens on {ctd_sock}, the agent will dial {expected}", file=sys.stderr)
            return 1

        # An image in k8s.io, as kubelet's pulls leave them (unpacking needs no
        # snapshotter here: the listing is what is checked).
        archive = os.path.join(tmp, "img.tar")
        mk = run([sys.executable, os.path.join(REPO, "tests/e2e/mkarchive.py"), archive, "tags=fleet/app:1;seed=7"])
        imp = run(["ctr", "-a", ctd_sock, "-n", "k8s.io", "images", "import", "--no-unpack", archive])
        if mk.returncode != 0 or imp.returncode != 0:
            print(f"FATAL: could not import a test image: {mk.stderr} {imp.stderr}", file=sys.stderr)
            return 1

        print("agent: " + " ".join(node_argv))
        out = open(os.path.join(tmp, "agent.out"), "w")
        err = open(os.path.join(tmp, "agent.err"), "w")
        agent = subprocess.Popen(node_argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        serve_host = node_argv[node_argv.index("serve") + 1:]
        sock_url = serve_host[serve_host.index("-H") + 1]
        sock = sock_url[len("unix://"):]
        docker = ["docker", "-H", sock_url]
        denv = dict(os.environ, DOCKER_CONFIG=os.path.join(tmp, "docker-config"))
        os.makedirs(denv["DOCKER_CONFIG"], exist_ok=True)
        for k in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_API_VERSION"):
            denv.pop(k, None)

        deadline = time.monotonic() + 30
        up = False
        while time.monotonic() < deadline:
            if agent.poll() is not None:
                break
            if os.path.exists(sock) and run(docker + ["version"], env=denv).returncode == 0:
                up = True
                break
            time.sleep(0.2)
        if not up:
            rc = agent.poll()
            stderr = open(os.path.join(tmp, "agent.err")).read().strip()
            missing = rejected_flags(reclaim, argv)
            if rc is not None:
                fail(f"the agent exited {rc} before its socket answered `docker version`; its stderr: {stderr}")
            else:
                fail(f"the agent's socket {sock} did not answer `docker version` in 30 s; stderr: {stderr}")
            if missing:
                fail("reclaim does not know these flags of the DaemonSet's command line "
                     "(the lead's host-profile and serve-policy flags, issue 11): " + ", ".join(missing))
            return 1
        print("ok: docker version through the agent's socket")

        info = run(docker + ["info", "--format", "{{json .}}"], env=denv)
        if info.returncode != 0 or not info.stdout.strip().startswith("{"):
            fail(f"docker info: exit {info.returncode}: {info.stdout} {info.stderr}")
        else:
            print("ok: docker info through the agent's socket")

        images = run(docker + ["images", "--format", "{{.Repository}}:{{.Tag}}"], env=denv)
        if images.returncode != 0 or "fleet/app:1" not in images.stdout:
            fail(f"docker images does not list the image in k8s.io: exit {images.returncode}: "
                 f"{images.stdout!r} {images.stderr}")
        else:
            print("ok: docker images lists the k8s.io image (kept: younger than MIN_AGE, and the pruning runs "
                  "only every PRUNE_INTERVAL)")

        for probe in ("livenessProbe", "readinessProbe"):
            cmd = [rewrite(a, mounts) for a in container[probe]["exec"]["command"]]
            r = run(cmd)
            if r.returncode != 0:
                fail(f"{probe} {cmd}: exit {r.returncode}: {r.stdout} {r.stderr}")
            else:
                print(f"ok: {probe} ({' '.join(cmd)})")

        agent.send_signal(signal.SIGTERM)
        try:
            rc = agent.wait(timeout=30)
        except subprocess.TimeoutExpired:
            fail("the agent was still running 30 s after SIGTERM")
            agent.kill()
            agent.wait()
            rc = None
        agent = None
        if rc is not None and rc != 0:
            fail(f"the agent exited {rc} after SIGTERM: {open(os.path.join(tmp, 'agent.err')).read()}")
        elif rc == 0:
            print("ok: SIGTERM stops the agent, exit 0")
        if os.path.exists(sock):
            fail(f"the agent's socket {sock} is still there after it exited")
        live = run([rewrite(a, mounts) for a in container["livenessProbe"]["exec"]["command"]])
        if live.returncode == 0:
            fail("the liveness probe still succeeds after the agent exited")
        else:
            print("ok: the liveness probe fails once the agent is gone")
        return 1 if FAILURES else 0
    finally:
        if agent is not None:
            agent.kill()
            agent.wait()
        run([os.path.join(REPO, "scripts/containerd.sh"), "stop", ctd_dir])
        if os.environ.get("FLEET_KEEP") == "1":
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    rc = main()
    print(f"{'FAILED' if rc else 'passed'}: fleet.agent ({len(FAILURES)} failures)")
    sys.exit(rc)
