#!/usr/bin/env python3
"""Crash suite: the real `reclaim` binary killed with SIGKILL at random points
of load, prune, tag, rm and serve (a `docker load` and a `docker image prune -a`
through it), on its embedded store. After every kill:

  - `reclaim fsck` finds no problem;
  - every image that must survive is still there (three `keep/*` images, each
    used by a container record, so no prune may take them);
  - `reclaim image prune -a -f` then leaves zero unreachable bytes: fsck's
    UnreferencedBytes is 0 and its garbage list is empty.

  tests/e2e/crash_test.py PATH/TO/reclaim [--kills N] [--seed S] [--long]

CI runs 24 kills (under a minute); --long runs 1000. Prints the number of kills
per operation and the kill points (ms after start) tried; exits 1 on a failure.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv):
    args = argv[1:]
    reclaim = os.path.realpath(args[0])
    kills = 36
    seed = int(time.time())
    if "--kills" in args:
        kills = int(args[args.index("--kills") + 1])
    if "--seed" in args:
        seed = int(args[args.index("--seed") + 1])
    if "--long" in args:
        kills = 1000
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="reclaim-crash-")
    root = os.path.join(tmp, "root")
    cli = [reclaim, "--root", root]
    env = dict(os.environ, DOCKER_CONFIG=os.path.join(tmp, "config"))
    os.makedirs(env["DOCKER_CONFIG"])
    failures = []
    tried = {}
    points = []

    def run(cmd, check=True, **kw):
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
        return p

    def archive(name, specs):
        path = os.path.join(tmp, name)
        run([sys.executable, os.path.join(HERE, "mkarchive.py"), path] + specs)
        return path

    try:
        keep = archive("keep.tar", [f"tags=keep/k{i}:1;seed=keep{i};size=300000" for i in range(3)])
        run(cli + ["image", "load", "-i", keep])
        for i in range(3):
            run(cli + ["container", "create", "--name", f"user{i}", f"keep/k{i}:1"])
        keep_ids = sorted(run(cli + ["image", "ls", "-q", "--no-trunc"]).stdout.split())
        batches = [archive(f"batch{b}.tar",
                           [f"tags=crash/b{b}-{i}:1;seed=b{b}-{i};size=400000;layers=2;base=shared"
                            for i in range(12)]) for b in range(4)]

        def background(kind):
            """Starts one operation; returns (process, extra cleanup)."""
            if kind == "load":
                return subprocess.Popen(cli + ["image", "load", "-q", "-i", rng.choice(batches)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env=env), None
            if kind == "prune":
                return subprocess.Popen(cli + ["image", "prune", "-a", "-f"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env=env), None
            if kind == "tag":
                script = "; ".join(f"{reclaim} --root {root} image tag keep/k0:1 crash/t{i}:1"
                                   for i in range(20))
                return subprocess.Popen(["sh", "-c", "exec 2>/dev/null; " + script],
                                        start_new_session=True, env=env), "group"
            if kind == "rm":
                script = "; ".join(f"{reclaim} --root {root} image rm crash/t{i}:1 crash/b0-{i}:1"
                                   for i in range(12))
                return subprocess.Popen(["sh", "-c", "exec >/dev/null 2>&1; " + script],
                                        start_new_session=True, env=env), "group"
            # serve, with the docker CLI loading then pruning through it
            sock = os.path.join(tmp, "crash.sock")
            server = subprocess.Popen(cli + ["serve", "-H", "unix://" + sock],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      env=env)
            for _ in range(200):
                if os.path.exists(sock):
                    break
                time.sleep(0.01)
            denv = dict(env, DOCKER_HOST="unix://" + sock)
            client = subprocess.Popen(
                ["sh", "-c", f"docker load -i {rng.choice(batches)}; docker image prune -a -f"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=denv,
                start_new_session=True)
            return server, client

        kinds = ["load", "prune", "tag", "rm", "serve"]
        for n in range(kills):
            kind = kinds[n % len(kinds)] if n < len(kinds) else rng.choice(kinds)
            # Something for the prune and rm to work on.
            if kind in ("prune", "rm") and rng.random() < 0.7:
                run(cli + ["image", "load", "-q", "-i", rng.choice(batches)])
            proc, extra = background(kind)
            delay = rng.uniform(0.005, 0.6)
            time.sleep(delay)
            if extra == "group":
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
            proc.wait()
            if isinstance(extra, subprocess.Popen):
                try:
                    os.killpg(extra.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                extra.wait()
            tried[kind] = tried.get(kind, 0) + 1
            points.append(int(delay * 1000))
            # After the kill: nothing broken, nothing lost, nothing stranded.
            try:
                fsck = run(cli + ["fsck"])
                assert " 0 problem(s)" in fsck.stdout, fsck.stdout
                ids = set(run(cli + ["image", "ls", "-q", "--no-trunc"]).stdout.split())
                missing = [i for i in keep_ids if i not in ids]
                assert not missing, f"images lost: {missing}"
                run(cli + ["image", "prune", "-a", "-f"])
                after = json.loads(run(cli + ["--format", "json", "fsck"]).stdout)
                assert after["Problems"] == [], after
                assert after["UnreferencedBytes"] == 0, after
                assert after["Garbage"] == [], after
                ids = sorted(run(cli + ["image", "ls", "-q", "--no-trunc"]).stdout.split())
                assert ids == keep_ids, (ids, keep_ids)
            except AssertionError as e:
                failures.append(f"kill {n} ({kind} at {int(delay * 1000)} ms): {e}")
                print("FAILED:", failures[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"seed {seed}: {sum(tried.values())} kills "
          + ", ".join(f"{k} {v}" for k, v in sorted(tried.items()))
          + f"; kill points {min(points)}-{max(points)} ms after start, "
          f"{len(set(points))} distinct; {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
