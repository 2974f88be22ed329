#!/usr/bin/env python3
"""Writes N small, distinct OCI images as oci-archive files, so that podlab and podman can be
measured on the same set of images. Each image holds one file that names it."""
import hashlib
import io
import json
import sys
import tarfile


def blob(data):
    return "sha256:" + hashlib.sha256(data).hexdigest(), len(data)


def tar_bytes(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def image(index):
    layer = tar_bytes([(f"etc/bench-{index}", f"benchmark image {index}\n".encode())])
    layer_digest, layer_size = blob(layer)
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2026-11-01T00:00:00Z",
        "config": {"Cmd": ["/bin/true"], "Labels": {"bench.index": str(index)}},
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        "history": [{"created": "2026-11-01T00:00:00Z", "created_by": f"bench/make-images.py image {index}"}],
    }, sort_keys=True).encode()
    config_digest, config_size = blob(config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size}],
    }, sort_keys=True).encode()
    manifest_digest, manifest_size = blob(manifest)
    name = f"localhost/bench-{index}:latest"
    index_json = json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": manifest_size,
        "annotations": {"org.opencontainers.image.ref.name": name}}]}).encode()
    files = [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", index_json)]
    for data in (layer, config, manifest):
        files.append(("blobs/sha256/" + hashlib.sha256(data).hexdigest(), data))
    return tar_bytes(files)


def main():
    count, directory = int(sys.argv[1]), sys.argv[2]
    for index in range(count):
        with open(f"{directory}/bench-{index}.tar", "wb") as out:
            out.write(image(index))


if __name__ == "__main__":
    main()
