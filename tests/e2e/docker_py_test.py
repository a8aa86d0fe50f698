#!/usr/bin/env python3
"""End to end: the Docker SDK for Python (docker-py 7.x) against the real
`reclaim serve` binary on a temporary root, over its unix socket and over
loopback TCP.

  tests/e2e/docker_py_test.py PATH/TO/reclaim [--containerd]

With --containerd the server runs on a private containerd (scripts/containerd.sh,
stopped by PID at the end) with `--store containerd`, and the last case checks
that containerd holds nothing the suite left instead of running fsck.

Makes its images itself (mkarchive.py beside this file), prints one line per
case and "N passed, M failed" at the end, and exits 1 if a case failed or
the docker module is missing (never a skip). E2E_KEEP=1 keeps the temporary
directory.
"""
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkarchive  # noqa: E402

try:
    import docker
    import docker.errors
except ImportError:
    print("FATAL: the docker Python module (docker-py 7) is not installed", file=sys.stderr)
    sys.exit(1)

PASSED = []
FAILED = []


def case(fn):
    """Runs fn() as one case: an AssertionError or any exception fails it."""
    name = fn.__doc__.strip() if fn.__doc__ else fn.__name__
    try:
        fn()
    except Exception:  # noqa: BLE001 - every error fails the case
        FAILED.append(name)
        print(f"FAILED: {name}")
        print("  " + traceback.format_exc().strip().replace("\n", "\n  "))
    else:
        PASSED.append(name)
        print(f"ok: {name}")
    return fn


def archive(*specs):
    """(tar bytes, meta list) for mkarchive image specs."""
    meta = []
    data = mkarchive.build([mkarchive.parse_image(s) for s in specs], meta)
    return data, meta


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """`reclaim serve` on DIR/root, DIR/docker.sock and a loopback TCP port."""

    def __init__(self, reclaim, tmp, store_args=()):
        self.root = os.path.join(tmp, "root")
        self.store_args = list(store_args)
        self.sock = os.path.join(tmp, "docker.sock")
        self.port = free_port()
        self.out = open(os.path.join(tmp, "serve.out"), "w+")
        self.err = open(os.path.join(tmp, "serve.err"), "w+")
        self.proc = subprocess.Popen(
            [reclaim, "--root", self.root] + self.store_args + ["serve", "-H", "unix://" + self.sock,
             "-H", f"tcp://127.0.0.1:{self.port}"],
            stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            self.out.seek(0)
            if os.path.exists(self.sock) and f"export DOCKER_HOST=tcp://127.0.0.1:{self.port}" in self.out.read():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.err.seek(0)
        raise SystemExit("reclaim serve did not come up: " + self.err.read()[-2000:])

    def stop(self):
        """SIGTERM by PID; returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "timeout"


REPO = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def main(argv):
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--containerd"):
        raise SystemExit(__doc__)
    reclaim = os.path.realpath(argv[1])
    tmp = tempfile.mkdtemp(prefix="reclaim-e2e-py-")
    ctd_dir = None
    store_args = []
    if len(argv) == 3:
        ctd_dir = os.path.join(tmp, "ctd")
        started = subprocess.run([os.path.join(REPO, "scripts", "containerd.sh"), "start", ctd_dir],
                                 capture_output=True, text=True)
        if started.returncode != 0:
            raise SystemExit("containerd did not start: " + started.stderr)
        store_args = ["--store", "containerd", "--containerd-address", started.stdout.strip(),
                      "--namespace", "e2e-py"]
    try:
        server = Server(reclaim, tmp, store_args)
        try:
            run_cases(server, reclaim, tmp, store_args)
        finally:
            stop_server(server)
    finally:
        if ctd_dir is not None:
            subprocess.run([os.path.join(REPO, "scripts", "containerd.sh"), "stop", ctd_dir])
        if os.environ.get("E2E_KEEP") == "1":
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


def start_registry(tmp, name, extra_yaml=""):
    """Debian's docker-registry on a free loopback port with its root in tmp/name
    (never the packaged service); returns (process, "127.0.0.1:port")."""
    reg_dir = os.path.join(tmp, name)
    os.makedirs(reg_dir, exist_ok=True)
    port = free_port()
    with open(os.path.join(reg_dir, "config.yml"), "w") as f:
        f.write("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
                f"    rootdirectory: {reg_dir}/data\nhttp:\n  addr: 127.0.0.1:{port}\n"
                "  secret: reclaim-py\n" + extra_yaml)
    reg = subprocess.Popen(["docker-registry", "serve", os.path.join(reg_dir, "config.yml")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return reg, f"127.0.0.1:{port}"


def stop_server(server):
    """SIGTERM by PID if it still runs (a case may have stopped it already)."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


def run_cases(server, reclaim, tmp, store_args):
    client = docker.DockerClient(base_url="unix://" + server.sock, timeout=60)
    api = client.api

    bb_data, bb_meta = archive("tags=busybox:latest,busybox:a;seed=bb;label=app=web")
    set_data, set_meta = archive("tags=old:1;seed=old;created=2015-01-01T00:00:00Z;label=app=db",
                                 "seed=dang", "tags=multi:1;seed=multi;layers=2")
    state = {}

    def snapshot_sizes(meta):
        """Per layer, bottom first: what containerd says its unpacked snapshot
        uses (a load over containerd unpacks, as Docker's does); the embedded
        store unpacks nothing."""
        if "--containerd-address" not in store_args:
            return [0] * len(meta["diff_ids"])
        sock = store_args[store_args.index("--containerd-address") + 1]
        ns = store_args[store_args.index("--namespace") + 1]
        sizes, chain = [], None
        for diff in meta["diff_ids"]:
            chain = diff if chain is None else "sha256:" + hashlib.sha256(
                (chain + " " + diff).encode()).hexdigest()
            out = subprocess.run(["ctr", "-a", sock, "-n", ns, "snapshots", "--snapshotter",
                                  "overlayfs", "usage", "-b", chain],
                                 capture_output=True, text=True, check=True).stdout.split("\n")
            sizes.append(int(out[1].split()[1]))  # KEY SIZE INODES
        return sizes

    def own_bytes(image_id, meta):
        """Manifest + config + layers (+ their snapshots on containerd): what
        pruning an image that shares nothing frees."""
        manifest = api.inspect_image(image_id)["Descriptor"]["size"]
        return manifest + meta["config_size"] + sum(meta["layer_sizes"]) + sum(snapshot_sizes(meta))

    def reset():
        for c in client.containers.list(all=True):
            c.remove(force=True)
        api.prune_images(filters={"dangling": False})
        assert api.images(all=True, quiet=True) == [], api.images(all=True)

    @case
    def ping_version():
        """ping() and version() over the unix socket"""
        assert client.ping() is True
        v = client.version()
        assert v["ApiVersion"] == "1.50", v
        assert v["MinAPIVersion"] == "1.24", v
        assert v["Os"] == "linux", v
        assert api.api_version == "1.50", api.api_version

    @case
    def tcp():
        """the same server over loopback TCP"""
        c = docker.DockerClient(base_url=f"tcp://127.0.0.1:{server.port}", timeout=30)
        assert c.ping() is True
        assert c.version()["ApiVersion"] == "1.50"
        assert c.images.list() == []
        c.close()

    @case
    def load():
        """images.load(data) returns the loaded images"""
        # One Image per "Loaded image" line: one per tag (docker-py does not dedupe).
        imgs = client.images.load(bb_data)
        assert len(imgs) == 2 and imgs[0].id == imgs[1].id, imgs
        assert sorted(imgs[0].tags) == ["busybox:a", "busybox:latest"], imgs[0].tags
        state["bb"] = imgs[0].id
        imgs = client.images.load(set_data)
        assert len(imgs) == 3, imgs
        tags = sorted(t for i in imgs for t in i.tags)
        assert tags == ["multi:1", "old:1"], tags
        untagged = [i for i in imgs if not i.tags]
        assert len(untagged) == 1, imgs
        state["dang"] = untagged[0].id
        state["old"] = client.images.get("old:1").id
        state["multi"] = client.images.get("multi:1").id

    @case
    def load_error():
        """images.load of garbage raises ImageLoadError (or APIError), the server lives on"""
        try:
            client.images.load(os.urandom(5000))
        except (docker.errors.ImageLoadError, docker.errors.APIError):
            pass
        else:
            raise AssertionError("no error for a garbage archive")
        assert client.ping()

    @case
    def images_list():
        """images.list() with name and filters; api.images(quiet=True)"""
        ids = sorted(i.id for i in client.images.list())
        assert ids == sorted([state["bb"], state["old"], state["multi"], state["dang"]]), ids
        assert [i.id for i in client.images.list(name="busybox")] == [state["bb"]]
        assert [i.id for i in client.images.list(filters={"dangling": True})] == [state["dang"]]
        assert [i.id for i in client.images.list(filters={"label": "app=web"})] == [state["bb"]]
        got = sorted(t for i in client.images.list(filters={"label": ["app"]}) for t in i.tags)
        assert got == ["busybox:a", "busybox:latest", "old:1"], got
        assert sorted(api.images(quiet=True)) == ids
        rows = api.images()
        for r in rows:
            for key in ("Id", "ParentId", "RepoTags", "RepoDigests", "Created", "Size",
                        "SharedSize", "Labels", "Containers"):
                assert key in r, (key, r)
            assert r["SharedSize"] == -1 and r["Containers"] == -1, r
        dang = [r for r in rows if r["Id"] == state["dang"]][0]
        assert dang["RepoTags"] == [], dang
        try:
            client.images.list(filters={"foo": "bar"})
        except docker.errors.APIError as e:
            assert e.status_code == 400 and e.explanation == "invalid filter 'foo'", (e.status_code, e.explanation)
        else:
            raise AssertionError("no error for filter foo")

    @case
    def images_get():
        """images.get(): attrs from the config, diff IDs from the archive, ImageNotFound"""
        img = client.images.get("busybox")
        assert img.id == state["bb"]
        assert img.short_id == "sha256:" + state["bb"][7:19], img.short_id
        assert img.labels == {"app": "web"}, img.labels
        assert img.attrs["RootFS"]["Layers"] == bb_meta[0]["diff_ids"], img.attrs["RootFS"]
        assert img.attrs["Os"] == "linux"
        assert client.images.get(state["bb"][7:19]).id == state["bb"]
        assert client.images.get("docker.io/library/busybox:a").id == state["bb"]
        hist = api.history("multi:1")
        assert len(hist) == 2 and hist[0]["Id"] == state["multi"] and hist[1]["Id"] == "<missing>", hist
        # moby's history: a layer's snapshot usage when unpacked, else its blob size.
        sizes = [u or b for u, b in zip(snapshot_sizes(set_meta[2]), set_meta[2]["layer_sizes"])]
        assert [h["Size"] for h in hist] == sizes[::-1], hist
        for bad in ("nope", "nope:1", "sha256:" + "0" * 64):
            try:
                client.images.get(bad)
            except docker.errors.ImageNotFound as e:
                assert "No such image" in e.explanation, e.explanation
            else:
                raise AssertionError(f"no ImageNotFound for {bad}")

    @case
    def tag():
        """Image.tag() answers True (201), in every repository form"""
        img = client.images.get("busybox:latest")
        assert img.tag("myrepo/x", "v1") is True
        assert img.tag("localhost:5000/x:v2") is True
        assert img.tag("plain") is True
        assert client.images.get("myrepo/x:v1").id == state["bb"]
        assert client.images.get("localhost:5000/x:v2").id == state["bb"]
        assert client.images.get("plain:latest").id == state["bb"]
        tags = sorted(client.images.get(state["bb"]).tags)
        assert tags == ["busybox:a", "busybox:latest", "localhost:5000/x:v2", "myrepo/x:v1",
                        "plain:latest"], tags
        try:
            client.images.get("busybox").tag("sha256", "x")
        except docker.errors.APIError as e:
            assert e.status_code == 400, e
        else:
            raise AssertionError("tagging repository sha256 worked")

    @case
    def remove():
        """images.remove() of a tag returns None and untags only"""
        for t in ("myrepo/x:v1", "localhost:5000/x:v2", "plain"):
            assert client.images.remove(t) is None
        tags = sorted(client.images.get(state["bb"]).tags)
        assert tags == ["busybox:a", "busybox:latest"], tags
        try:
            client.images.get("myrepo/x:v1")
        except docker.errors.ImageNotFound:
            pass
        else:
            raise AssertionError("myrepo/x:v1 still there")
        out = api.remove_image("busybox:a")
        assert out == [{"Untagged": "busybox:a"}], out
        try:
            client.images.remove("nope")
        except docker.errors.ImageNotFound:
            pass
        else:
            raise AssertionError("no ImageNotFound removing nope")

    @case
    def containers():
        """containers.create(name=), containers.list(all=True), name conflict 409"""
        c = client.containers.create("busybox", name="c1")
        assert c.name == "c1", c.name
        assert len(c.id) == 64
        assert c.status == "created", c.status
        assert c.attrs["Image"] == state["bb"], c.attrs["Image"]
        assert c.attrs["Config"]["Image"] == "busybox", c.attrs["Config"]
        assert c.image.id == state["bb"]
        state["c1"] = c.id
        listed = client.containers.list(all=True)
        assert [x.id for x in listed] == [c.id], listed
        assert client.containers.list() == []
        try:
            client.containers.create("busybox", name="c1")
        except docker.errors.APIError as e:
            assert e.status_code == 409, e
            assert e.explanation.startswith('Conflict. The container name "/c1" is already in use'), e.explanation
        else:
            raise AssertionError("no 409 for a name in use")
        try:
            client.containers.create("nope:1", name="c9")
        except docker.errors.ImageNotFound:
            pass
        else:
            raise AssertionError("no ImageNotFound creating from nope:1")

    @case
    def rmi_conflict():
        """images.remove of an image a container uses: APIError 409; force leaves it dangling"""
        try:
            client.images.remove("busybox")
        except docker.errors.APIError as e:
            assert e.status_code == 409, e.status_code
            assert not isinstance(e, docker.errors.NotFound)
            want = (f'conflict: unable to remove repository reference "busybox" (must force) - '
                    f'container {state["c1"][:12]} is using its referenced image {state["bb"][7:19]}')
            assert e.explanation == want, e.explanation
        else:
            raise AssertionError("no 409")
        client.images.remove("busybox", force=True)
        dangling = [i.id for i in client.images.list(filters={"dangling": True})]
        assert state["bb"] in dangling, dangling
        assert client.images.get(state["bb"]).tags == []

    @case
    def df():
        """api.df(): images, containers, LayersSize"""
        d = api.df()
        for key in ("LayersSize", "Images", "Containers", "Volumes", "BuildCache"):
            assert key in d, d.keys()
        assert len(d["Images"]) == 4, d["Images"]
        used = {i["Id"]: i["Containers"] for i in d["Images"]}
        assert used[state["bb"]] == 1 and used[state["old"]] == 0, used
        assert [c["Id"] for c in d["Containers"]] == [state["c1"]], d["Containers"]
        assert d["LayersSize"] > 0

    @case
    def container_remove():
        """container.remove(), then containers.prune()"""
        c = client.containers.get("c1")
        c.remove()
        assert client.containers.list(all=True) == []
        try:
            client.containers.get("c1")
        except docker.errors.NotFound:
            pass
        else:
            raise AssertionError("c1 still there")
        a = client.containers.create("old:1")
        b = client.containers.create("multi:1", name="c2")
        r = client.containers.prune()
        assert sorted(r["ContainersDeleted"]) == sorted([a.id, b.id]), r
        assert r["SpaceReclaimed"] == 0, r
        r = client.containers.prune()
        assert r["ContainersDeleted"] is None, r

    @case
    def prune_dangling():
        """images.prune() prunes dangling images only"""
        bytes_dang = own_bytes(state["dang"], set_meta[1])
        bytes_bb = own_bytes(state["bb"], bb_meta[0])
        r = client.images.prune()
        untagged = sorted(i["Untagged"] for i in r["ImagesDeleted"] if "Untagged" in i)
        assert untagged == sorted([state["dang"], state["bb"]]), r
        deleted = [i["Deleted"] for i in r["ImagesDeleted"] if "Deleted" in i]
        assert state["dang"] in deleted and state["bb"] in deleted, r
        for item in r["ImagesDeleted"]:
            assert len(item) == 1, item
        assert r["SpaceReclaimed"] == bytes_dang + bytes_bb, (r["SpaceReclaimed"], bytes_dang, bytes_bb)
        tags = sorted(t for i in client.images.list() for t in i.tags)
        assert tags == ["multi:1", "old:1"], tags
        r = client.images.prune()
        assert r == {"ImagesDeleted": None, "SpaceReclaimed": 0}, r

    @case
    def prune_all():
        """images.prune(filters={'dangling': False}): ImagesDeleted and SpaceReclaimed"""
        r = client.images.prune(filters={"dangling": False, "until": "24h"})
        assert r == {"ImagesDeleted": None, "SpaceReclaimed": 0}, r
        r = client.images.prune(filters={"dangling": False, "label": "app=nothing"})
        assert r["ImagesDeleted"] is None, r
        keep = client.containers.create("multi:1", name="keeper")
        want = own_bytes(state["old"], set_meta[0])
        r = client.images.prune(filters={"dangling": False})
        assert [i["Untagged"] for i in r["ImagesDeleted"] if "Untagged" in i] == ["old:1"], r
        assert state["old"] in [i["Deleted"] for i in r["ImagesDeleted"] if "Deleted" in i], r
        assert r["SpaceReclaimed"] == want, (r, want)
        assert [t for i in client.images.list() for t in i.tags] == ["multi:1"]
        keep.remove()
        r = api.prune_images(filters={"dangling": False})
        assert [i["Untagged"] for i in r["ImagesDeleted"] if "Untagged" in i] == ["multi:1"], r
        assert client.images.list(all=True) == []

    @case
    def prune_errors():
        """prune filter errors are APIError 400 with Docker's texts"""
        for filters, msg in (({"foo": "bar"}, "invalid filter 'foo'"),
                             ({"dangling": "maybe"}, "invalid filter 'dangling=[maybe]'"),
                             ({"dangling": ["true", "false"]}, "invalid filter 'dangling=[false true]'")):
            try:
                client.images.prune(filters=filters)
            except docker.errors.APIError as e:
                assert e.status_code == 400, (filters, e.status_code)
                assert e.explanation == msg, (filters, e.explanation)
            else:
                raise AssertionError(f"no error for {filters}")
        try:
            client.containers.prune(filters={"foo": "bar"})
        except docker.errors.APIError as e:
            assert e.status_code == 400 and e.explanation == "invalid filter 'foo'", e
        else:
            raise AssertionError("no error for container prune foo")

    @case
    def prune_conflict():
        """two prunes at once from two clients: one APIError 409"""
        tags = ",".join(f"race/t:{i}" for i in range(300))
        data, _ = archive(f"tags={tags};seed=race")
        overlapped = 0
        for _ in range(6):
            for _ in api.load_image(data):  # (images.load would inspect all 300 names)
                pass
            results = [None, None]
            start = threading.Barrier(2)

            def worker(k):
                c = docker.APIClient(base_url="unix://" + server.sock, timeout=60)
                start.wait()
                try:
                    results[k] = c.prune_images(filters={"dangling": False})
                except docker.errors.APIError as e:
                    results[k] = e
                finally:
                    c.close()

            threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            errors = [r for r in results if isinstance(r, Exception)]
            oks = [r for r in results if isinstance(r, dict)]
            assert len(errors) + len(oks) == 2, results
            if errors:
                assert len(errors) == 1, results
                e = errors[0]
                assert e.status_code == 409, e
                assert e.explanation == "a prune operation is already running", e.explanation
                n = sum("Untagged" in i for i in oks[0]["ImagesDeleted"])
                assert n == 300, n
                overlapped += 1
            else:
                assert any(r["ImagesDeleted"] is None for r in oks), results
            assert api.images(all=True, quiet=True) == []
            if overlapped >= 2:
                break
        assert overlapped >= 1, "the two prunes never overlapped"

    @case
    def pull():
        """images.pull and api.pull(stream=True, decode=True) from a loopback docker-registry"""
        reg, host = start_registry(tmp, "registry")
        try:
            data, _ = archive("tags=py/app:1;seed=py-pull;layers=2")
            tar = os.path.join(tmp, "py-pull.tar")
            with open(tar, "wb") as f:
                f.write(data)
            subprocess.run(["skopeo", "copy", "-q", "--dest-tls-verify=false", "docker-archive:" + tar,
                            f"docker://{host}/py/app:1"], check=True, capture_output=True)
            want = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
                                   f"docker://{host}/py/app:1"], check=True, capture_output=True,
                                  text=True).stdout.strip()
            lines = list(api.pull(f"{host}/py/app", tag="1", stream=True, decode=True))
            statuses = [m.get("status") for m in lines]
            assert statuses[0] == "Pulling from py/app" and lines[0]["id"] == "1", lines
            assert "Pulling fs layer" in statuses and "Download complete" in statuses, statuses
            assert statuses[-2:] == [f"Digest: {want}",
                                     f"Status: Downloaded newer image for {host}/py/app:1"], statuses
            img = client.images.pull(f"{host}/py/app", tag="1")
            assert img.id == want and img.tags == [f"{host}/py/app:1"], (img.id, img.tags)
            try:
                client.images.pull(f"{host}/py/app", tag="nope")
            except docker.errors.NotFound as e:
                assert "manifest for " + host + "/py/app:nope not found" in e.explanation, e.explanation
            else:
                raise AssertionError("pulling a missing tag did not fail")
            client.images.remove(img.id, force=True)
        finally:
            reg.terminate()
            reg.wait(timeout=10)

    @case
    def push_and_login():
        """images.push and api.push(stream=True, decode=True); login against an htpasswd registry"""
        data, _ = archive("tags=py/src:1;seed=py-push;layers=2")
        (img,) = client.images.load(data)
        reg, host = start_registry(tmp, "push-registry")
        hashed = subprocess.run(["htpasswd", "-Bbn", "bob", "pw"], check=True, capture_output=True,
                                text=True).stdout
        with open(os.path.join(tmp, "htpasswd"), "w") as f:
            f.write(hashed)
        auth_yaml = f"auth:\n  htpasswd:\n    realm: basic-realm\n    path: {tmp}/htpasswd\n"
        basic, basic_host = start_registry(tmp, "basic-registry", auth_yaml)
        try:
            assert img.tag(f"{host}/py/app", "1")
            lines = list(api.push(f"{host}/py/app", tag="1", stream=True, decode=True))
            statuses = [m.get("status") for m in lines]
            assert statuses[0] == f"The push refers to repository [{host}/py/app]", lines
            assert "Pushed" in statuses and "Waiting" in statuses, statuses
            assert statuses[-1].startswith(f"1: digest: {img.id} size: "), lines
            got = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
                                  f"docker://{host}/py/app:1"], check=True, capture_output=True,
                                 text=True).stdout.strip()
            assert got == img.id, (got, img.id)
            text = client.images.push(f"{host}/py/app", tag="1")
            assert "Layer already exists" in text, text
            text = client.images.push(f"{host}/py/app", tag="nope")
            assert "tag does not exist: " + host + "/py/app:nope" in text, text

            try:
                client.login("bob", "wrong", registry=basic_host)
            except docker.errors.APIError as e:
                assert e.status_code == 401, e.status_code
                assert "failed with status: 401 Unauthorized" in e.explanation, e.explanation
            else:
                raise AssertionError("a wrong password logged in")
            answer = client.login("bob", "pw", registry=basic_host)
            assert answer["Status"] == "Login Succeeded", answer
            assert img.tag(f"{basic_host}/py/app", "2")
            auth = {"username": "bob", "password": "pw"}
            text = client.images.push(f"{basic_host}/py/app", tag="2", auth_config=auth)
            assert f"2: digest: {img.id} size: " in text, text
            client.images.remove(f"{basic_host}/py/app:2")
            pulled = client.images.pull(f"{basic_host}/py/app", tag="2", auth_config=auth)
            assert pulled.id == img.id, pulled.id
            client.images.remove(img.id, force=True)
        finally:
            for r in (reg, basic):
                r.terminate()
                r.wait(timeout=10)

    @case
    def events_stream():
        """events(decode=True): a live stream across a tag and a prune, then a past window"""
        reset()
        data, _ = archive("tags=py/events:1;seed=py-events;label=team=py")
        (img,) = client.images.load(data)
        since = time.time()
        stream = api.events(decode=True, filters={"type": "image"})
        try:
            seen = []
            # The stream is open once the server answered; the first tag shows.
            assert img.tag("py/events", "2")
            pruned = api.prune_images(filters={"dangling": False})
            for ev in stream:
                seen.append(ev)
                if ev["Action"] == "prune":
                    break
        finally:
            stream.close()
        actions = [(e["Action"], e["Actor"]["Attributes"].get("name")) for e in seen]
        assert actions[0] == ("tag", "py/events:2"), actions
        assert seen[0]["Actor"]["ID"] == img.id and seen[0]["id"] == img.id, seen[0]
        assert seen[0]["Actor"]["Attributes"]["team"] == "py", seen[0]
        assert ("untag", "py/events:1") in actions and ("untag", "py/events:2") in actions, actions
        assert ("delete", img.id) in actions, actions
        last = seen[-1]
        assert last["Actor"]["ID"] == "" and "id" not in last, last
        assert last["Actor"]["Attributes"] == {"reclaimed": str(pruned["SpaceReclaimed"])}, last
        until = time.time()
        past = list(api.events(since=since, until=until, decode=True,
                               filters={"event": ["tag", "prune"]}))
        assert [e["Action"] for e in past] == ["tag", "prune"], past
        assert past[0]["timeNano"] // 10**9 == past[0]["time"] >= int(since), past[0]

    @case
    def shutdown():
        """SIGTERM: exit status 0, socket removed, fsck clean"""
        data, _ = archive("tags=left/behind:1;seed=left")  # something for the store to keep
        client.images.load(data)
        before = sorted(set(api.images(all=True, quiet=True)))
        assert len(before) == 1, before
        client.close()
        rc = server.stop()
        assert rc == 0, rc
        assert not os.path.exists(server.sock), "socket left behind"
        if not store_args:
            out = subprocess.run([reclaim, "--root", server.root, "fsck"], capture_output=True,
                                 text=True)
            assert out.returncode == 0, out
            assert " 0 problem(s)" in out.stdout, out.stdout
        else:
            # The store is containerd's: the CLI on it sees what the server left.
            out = subprocess.run([reclaim] + store_args + ["image", "ls", "-q", "--no-trunc"],
                                 capture_output=True, text=True)
            assert out.returncode == 0, out
            after = sorted(set(out.stdout.split()))
            assert after == before, (after, before)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
