"""Corpus of code obtainable on this machine: the Python standard library, npm packages (`npm pack`) and Debian
source/binary packages (`apt-get download`). Never anything listed in /work/shared/eval/EXCLUDE, nor a package of the
development kit (devkit/corpora.json), whose questions choose training changes. Deduplicated by content hash; the
manifest (source, version, files, bytes) goes into the model card."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .config import CorpusConfig

LANG_BY_EXT = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
               ".ts": "typescript", ".go": "go", ".java": "java"}
EXCLUDE_FILE = Path(os.environ.get("CLARA_EVAL_EXCLUDE", "/work/shared/eval/EXCLUDE"))
DEVKIT_CORPORA = Path(__file__).resolve().parent / "devkit" / "corpora.json"
# Folders that hold tests, vendored copies or generated code: less representative of the code people ask about.
SKIP_DIRS = {"test", "tests", "testdata", "__pycache__", "idlelib", "lib2to3", "site-packages", "node_modules",
             "dist-packages", "turtledemo", "ensurepip", "vendor", "min", "umd", "dist", "esm5", "bundles",
             "__tests__", "types"}


@dataclass
class SourceFile:
    source: str     # 'stdlib', 'npm:lodash', ...
    repo: str       # grouping used for hard negatives (a package / top-level module)
    path: str       # workspace-style relative path, '/'-separated
    language: str
    text: str


@dataclass
class SourceManifest:
    source: str
    version: str
    files: int
    bytes: int


def load_exclude(path: Path = EXCLUDE_FILE) -> list[str]:
    if not path.exists():
        return []
    return [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def load_devkit_exclude(path: Path = DEVKIT_CORPORA) -> list[str]:
    """The development kit's packages, in EXCLUDE's form (npm:NAME)."""
    if not path.exists():
        return []
    return [f"npm:{c['package']}" for c in json.loads(path.read_text()).values()]


def check_not_excluded(source: str, exclude: list[str]) -> None:
    """Refuse sources that an evaluation or the development kit uses (npm:NAME, debian:PKG or a folder of one)."""
    kind, _, rest = source.partition(":")
    name = rest.split("@")[0] if kind == "npm" else rest
    for entry in exclude:
        ekind, _, erest = entry.partition(":")
        epkg = erest.split(":")[0]
        if (kind == "npm" and ekind == "npm" and epkg == name) or \
           (kind == "deb" and ekind == "debian" and epkg == name and ":" not in erest):
            raise SystemExit(f"corpus source {source!r} is held out from training ({entry}, listed in {EXCLUDE_FILE} "
                             f"or {DEVKIT_CORPORA})")


def excluded_subdirs(source: str, exclude: list[str]) -> list[str]:
    """Folders of a source package that evaluations hold out (debian:golang-1.19-src:src/net/http)."""
    kind, _, name = source.partition(":")
    out = []
    for entry in exclude:
        parts = entry.split(":")
        if kind == "deb" and parts[0] == "debian" and len(parts) == 3 and parts[1] == name:
            out.append(parts[2].strip("/"))
    return out


def _walk(root: Path, allowed_exts: set[str]) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for fn in sorted(filenames):
            p = Path(dirpath) / fn
            if p.suffix in allowed_exts and not fn.endswith((".min.js", ".d.ts", "_test.go")):
                found.append(p)
    return found


def _fetch_npm(spec: str, cache: Path) -> tuple[Path, str]:
    dest = cache / ("npm-" + spec.replace("/", "_").replace("@", "_"))
    if not dest.exists():
        tmp = cache / "tmp-npm"
        tmp.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", str(tmp)], check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        with tarfile.open(tmp / out) as tf:
            tf.extractall(dest, filter="data")
    pkg = dest / "package"
    if (pkg / "src").is_dir():  # TypeScript sources beat the compiled copies next to them
        pkg = pkg / "src"
    version = spec.rsplit("@", 1)[-1] if spec.count("@") > (1 if spec.startswith("@") else 0) else "latest"
    return pkg, version


def _fetch_deb(pkg: str, cache: Path) -> tuple[Path, str]:
    dest = cache / f"deb-{pkg}"
    if not dest.exists():
        tmp = cache / "tmp-deb"
        tmp.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", pkg], cwd=tmp, check=True, capture_output=True)
        deb = sorted(tmp.glob(f"{pkg}_*.deb"))[-1]
        subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
        (dest / ".version").write_text(deb.name.split("_")[1])
    version = (dest / ".version").read_text().strip()
    # Index from the folder the code lives in, so paths read like a checkout (click/core.py, src/net/http/...).
    for pattern in ("usr/lib/python3/dist-packages", "usr/share/go-*"):
        found = sorted(dest.glob(pattern))
        if found:
            return found[0], version
    return dest, version


def collect(cfg: CorpusConfig, cache: Path) -> tuple[list[SourceFile], list[SourceManifest]]:
    exclude = load_exclude() + load_devkit_exclude()
    seen: set[str] = set()
    files: list[SourceFile] = []
    manifest: list[SourceManifest] = []
    for source in cfg.sources:
        check_not_excluded(source, exclude)
        kind, _, name = source.partition(":")
        if kind == "stdlib":
            root, version = Path(sysconfig.get_paths()["stdlib"]), sys.version.split()[0]
            label = "python-stdlib"
        elif kind == "npm":
            root, version = _fetch_npm(name, cache)
            label = "npm:" + name.rsplit("@", 1)[0] if name.count("@") > (1 if name.startswith("@") else 0) \
                else source
        elif kind == "deb":
            root, version = _fetch_deb(name, cache)
            label = source
        else:
            raise SystemExit(f"unknown corpus source {source!r} (use stdlib, npm:NAME@VERSION or deb:PACKAGE)")
        held_out = excluded_subdirs(source, exclude)
        n_files = n_bytes = 0
        # Hash order rather than alphabetical: a bounded prefix still samples the whole package.
        candidates = sorted(_walk(root, set(LANG_BY_EXT)),
                            key=lambda p: hashlib.sha1(p.relative_to(root).as_posix().encode()).hexdigest())
        for p in candidates:
            rel = p.relative_to(root).as_posix()
            if any(("/" + rel).find("/" + h + "/") >= 0 or rel.startswith(h + "/") for h in held_out):
                continue
            try:
                raw = p.read_bytes()
            except OSError:
                continue
            if len(raw) > cfg.max_file_bytes or len(raw) < 200:
                continue
            digest = hashlib.sha256(raw).hexdigest()
            if digest in seen:
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            seen.add(digest)
            parts = rel.split("/")
            # a repository for hard negatives: a top-level package (src/<pkg> for Go's source tree)
            top = "/".join(parts[:2]) if parts[0] == "src" and len(parts) > 2 else parts[0]
            repo = f"{label}/{top}" if len(parts) > 1 else f"{label}/<top>"
            files.append(SourceFile(source=label, repo=repo, path=rel, language=LANG_BY_EXT[p.suffix],
                                    text=text.replace("\r\n", "\n")))
            n_files += 1
            n_bytes += len(raw)
            if n_files >= cfg.max_files or n_bytes >= cfg.max_bytes:
                break
        manifest.append(SourceManifest(source=label, version=version, files=n_files, bytes=n_bytes))
    return files, manifest


def split_heldout(files: list[SourceFile], fraction: float) -> tuple[list[SourceFile], list[SourceFile]]:
    """Deterministic split by path hash: held-out files never reach training (abstain calibration, held-out QA)."""
    train, held = [], []
    for f in files:
        h = int(hashlib.sha1(f"{f.source}/{f.path}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (held if h < fraction else train).append(f)
    return train, held
