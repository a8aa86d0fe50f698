#!/usr/bin/env python3
"""Writes docker-archive tars (the `docker save` legacy layout: manifest.json,
<config>.json, <layer>/layer.tar) for the end-to-end suites, so that they make
their images themselves, deterministically, with no network.

  mkarchive.py [--meta META.json] OUT.tar IMAGE [IMAGE ...]
  mkarchive.py OUT.tar --bulk N [--prefix REPO]

IMAGE is a ';'-separated list of key=value fields:
  tags=a:1,b:2          RepoTags (familiar); empty or absent: an untagged image
  seed=S                content seed (same seed + same fields = same image)
  created=RFC3339       config "created" (default 2024-01-01T00:00:00Z)
  label=k=v             a config label (repeatable)
  size=N                bytes of the single file in the layer (default 1000)
  layers=N              number of layers (default 1)
  base=S                adds a first layer made from seed S (shared between images)

--meta writes, per image in order, {"tags", "config": "sha256:…", "config_size",
"diff_ids": [...], "layer_sizes": [...]} so that a suite can check what the
server reports (OUT.tar may be "-" for stdout).
--bulk N writes N distinct single-layer images tagged REPO:N (default repo
bulk/img). Also importable: `python3 mkarchive.py` as a module, see build().
"""
import hashlib
import io
import json
import sys
import tarfile


def _tar_bytes(members):
    """A deterministic tar of (name, bytes) regular files."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _filler(seed, n):
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        counter += 1
    return bytes(out[:n])


def layer_tar(seed, size):
    return _tar_bytes([(f"data/{seed}.bin", _filler(seed, size)),
                       ("etc/seed", f"{seed}\n".encode())])


def sha(b):
    return hashlib.sha256(b).hexdigest()


def parse_image(spec):
    img = {"tags": [], "seed": spec, "created": "2024-01-01T00:00:00Z",
           "labels": {}, "size": 1000, "layers": 1, "base": None}
    for field in filter(None, spec.split(";")):
        key, _, value = field.partition("=")
        if key == "tags":
            img["tags"] = [t for t in value.split(",") if t]
        elif key == "label":
            k, _, v = value.partition("=")
            img["labels"][k] = v
        elif key in ("size", "layers"):
            img[key] = int(value)
        elif key in ("seed", "created", "base"):
            img[key] = value
        else:
            raise SystemExit(f"mkarchive: unknown field {key!r} in {spec!r}")
    return img


def build(images, meta=None):
    """Returns the docker-archive bytes for a list of parse_image() dicts; appends
    one dict per image to `meta` when given."""
    files = {}  # path -> bytes (deduplicated by content address)
    manifest = []
    for img in images:
        layers = []
        if img["base"]:
            layers.append(layer_tar("base-" + img["base"], 4096))
        for i in range(img["layers"]):
            layers.append(layer_tar(f"{img['seed']}-{i}", img["size"]))
        diff_ids = ["sha256:" + sha(l) for l in layers]
        layer_paths = []
        for l in layers:
            p = sha(l) + "/layer.tar"
            files[p] = l
            layer_paths.append(p)
        config = {
            "architecture": "amd64",
            "os": "linux",
            "created": img["created"],
            "config": {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["/bin/sh"],
                       "Labels": img["labels"] or None},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created": img["created"],
                         "created_by": f"/bin/sh -c #(nop) ADD file:{sha(l)[:12]} in /"}
                        for l in layers],
        }
        if config["config"]["Labels"] is None:
            del config["config"]["Labels"]
        cfg = json.dumps(config, sort_keys=True).encode()
        cfg_path = sha(cfg) + ".json"
        files[cfg_path] = cfg
        manifest.append({"Config": cfg_path, "RepoTags": img["tags"] or None,
                         "Layers": layer_paths})
        if meta is not None:
            meta.append({"tags": img["tags"], "config": "sha256:" + sha(cfg),
                         "config_size": len(cfg), "diff_ids": diff_ids,
                         "layer_sizes": [len(l) for l in layers]})
    files["manifest.json"] = json.dumps(manifest).encode()
    return _tar_bytes(sorted(files.items()))


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    meta_path = None
    if argv[1] == "--meta":
        meta_path, argv = argv[2], argv[:1] + argv[3:]
    out, rest = argv[1], argv[2:]
    if rest[0] == "--bulk":
        n = int(rest[1])
        prefix = rest[3] if len(rest) > 3 and rest[2] == "--prefix" else "bulk/img"
        images = [parse_image(f"tags={prefix}:{i};seed={prefix}-{i};size=200") for i in range(n)]
    else:
        images = [parse_image(s) for s in rest]
    meta = []
    data = build(images, meta)
    if meta_path:
        with open(meta_path, "w") as f:
            json.dump(meta, f, indent=1)
    if out == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(out, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv)
