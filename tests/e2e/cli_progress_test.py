#!/usr/bin/env python3
"""End to end: reclaim's progress display, with the CLI's stderr on a real
pseudo-terminal (os.openpty), on a pipe, and as JSON lines with --format json.
Load, save, import and prune (a bar of image counts) show it on a terminal,
nothing on a pipe, nothing with -q; --format json writes parseable progress
lines to stderr. RECLAIM_PROGRESS_DELAY=0s makes the display appear at once.

  tests/e2e/cli_progress_test.py PATH/TO/reclaim

Exits 1 when a case failed (never skips).
"""
import io
import json
import os
import select
import shutil
import subprocess
import sys
import tarfile
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

PASSED, FAILED = [], []


def case(fn):
    name = fn.__doc__.strip()
    try:
        fn()
    except Exception:  # noqa: BLE001 - every error fails the case
        FAILED.append(name)
        print(f"FAILED: {name}\n  " + traceback.format_exc().strip().replace("\n", "\n  "))
    else:
        PASSED.append(name)
        print(f"ok: {name}")


def run_on_pty(argv, env):
    """(exit status, stdout bytes, stderr bytes as the terminal received them):
    stderr is a pseudo-terminal, stdout a pipe."""
    master, slave = os.openpty()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                         env=env)
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            p.kill()
            raise AssertionError("no output for 30 s")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        err += chunk
    out = p.stdout.read()
    rc = p.wait(timeout=60)
    os.close(master)
    return rc, out, err


def main(argv):
    reclaim = os.path.realpath(argv[1])
    tmp = tempfile.mkdtemp(prefix="reclaim-progress-")
    env = dict(os.environ, RECLAIM_PROGRESS_DELAY="0s")
    try:
        root = os.path.join(tmp, "root")
        base = [reclaim, "--root", root]
        archive = os.path.join(tmp, "images.tar")
        specs = [f"tags=progress/img:{i};seed=p{i};size=200000" for i in range(40)]
        subprocess.run([sys.executable, os.path.join(HERE, "mkarchive.py"), archive] + specs,
                       check=True)
        rootfs = os.path.join(tmp, "rootfs.tar")
        with tarfile.open(rootfs, "w") as tf:
            data = os.urandom(300000)
            info = tarfile.TarInfo("etc/blob")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))

        def load_on_terminal():
            """image load on a terminal: a Loading bar redrawn in place, erased at the end"""
            rc, out, err = run_on_pty(base + ["image", "load", "-i", archive], env)
            assert rc == 0, (rc, out, err)
            assert out.decode().count("Loaded image: progress/img:") == 40, out
            assert b"\rLoading  [" in err, err[:400]
            assert b"/" in err and b"MB" in err, err[:400]  # current/total in HumanSize
            assert err.endswith(b"\r\x1b[K"), err[-40:]  # the line is erased when done
        case(load_on_terminal)

        def save_and_import_on_terminal():
            """image save -o and image import on a terminal: Saving and Importing bars"""
            rc, _, err = run_on_pty(base + ["image", "save", "-o", os.path.join(tmp, "out.tar"),
                                            "progress/img:1", "progress/img:2"], env)
            assert rc == 0, (rc, err)
            assert b"\rSaving  " in err, err[:400]
            rc, out, err = run_on_pty(base + ["image", "import", rootfs, "progress/rootfs:1"], env)
            assert rc == 0, (rc, err)
            assert out.startswith(b"sha256:"), out
            assert b"\rImporting  [" in err, err[:400]
        case(save_and_import_on_terminal)

        def quiet_and_pipe():
            """-q on a terminal, and stderr on a pipe: no progress at all"""
            rc, _, err = run_on_pty(base + ["image", "load", "-q", "-i", archive], env)
            assert rc == 0 and err == b"", (rc, err[:200])
            p = subprocess.run(base + ["image", "load", "-i", archive], env=env,
                               capture_output=True)
            assert p.returncode == 0 and p.stderr == b"", (p.returncode, p.stderr[:200])
        case(quiet_and_pipe)

        def json_lines():
            """--format json: progress as JSON lines on stderr, the result on stdout"""
            p = subprocess.run(base + ["--format", "json", "image", "load", "-i", archive],
                               env=env, capture_output=True)
            assert p.returncode == 0, p
            lines = [json.loads(x) for x in p.stderr.decode().splitlines()]
            assert lines, "no progress lines"
            prog = [x["progress"] for x in lines]
            assert all(x["operation"] == "load" and x["unit"] == "bytes" for x in prog), prog
            assert all(x["total"] == os.path.getsize(archive) for x in prog), prog[:2]
            assert prog == sorted(prog, key=lambda x: x["current"]), "not increasing"
            assert len(json.loads(p.stdout)) == 40
        case(json_lines)

        def prune_on_terminal():
            """image prune -a on a terminal: image counts read, then the deletion"""
            rc, out, err = run_on_pty(base + ["image", "prune", "-a", "-f"], env)
            assert rc == 0, (rc, out, err)
            assert b"Total reclaimed space:" in out, out[-200:]
            text = err.decode()
            assert "\rReading images  [" in text, text[:400]
            assert "/41" in text, text[:600]  # 40 loaded + 1 imported
            assert "\rDeleting 41 images  [" in text, text[-600:]
            assert text.endswith("\r\x1b[K"), text[-40:]
            p = subprocess.run(base + ["--format", "json", "image", "prune", "-a", "-f"],
                               env=env, capture_output=True)
            assert p.returncode == 0, p
            for x in p.stderr.decode().splitlines():
                assert json.loads(x)["progress"]["operation"] == "prune", x
        case(prune_on_terminal)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
