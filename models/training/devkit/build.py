"""Build the development kit: real questions, kept apart from ../shared/eval, to choose training changes by.

A question is one entry of an npm package's changelog, written by its maintainers; its gold files are the code files
that release changed, found by comparing the package's published tarballs of that version and the one before. The
corpus a question is asked against is the package at one pinned later version (as SWE-bench Lite pins one version per
repository), and gold files that version no longer has are dropped.

Only a release whose changelog section has exactly one entry that survives the filters is used, so the files the
release changed are that entry's. Releases that changed no code file, or more than MAX_GOLD code files, are skipped.

    python -m models.training.devkit.build [--packages a,b,..] [--out DIR]

writes DIR/corpora.json, DIR/changelog_loc.jsonl and DIR/build_stats.json (default DIR: this folder). Tarballs are
fetched from the npm registry once and cached in ~/.cache/clara-devkit.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import tarfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGISTRY = "https://registry.npmjs.org/"
CACHE = Path.home() / ".cache" / "clara-devkit"

# Chosen for changelogs shipped in the tarball and code shipped outside build folders. None is a training source
# (models/training/config.py) or an evaluation corpus (../shared/eval/EXCLUDE); corpus.py refuses all of them.
PACKAGES = [
    "commander", "semver", "yargs", "mocha", "debug", "uuid", "moment", "markdown-it", "postcss", "qs",
    "body-parser", "cookie", "send", "serve-static", "koa", "mongoose", "knex", "ws", "cheerio", "handlebars",
    "ajv", "minimatch", "fs-extra", "chokidar", "tar", "js-yaml", "luxon", "nodemailer", "morgan", "multer",
    "superagent", "supertest", "nock", "sinon", "chai", "ioredis", "pg", "mysql2", "socket.io", "graphql",
    "less", "stylus", "acorn", "htmlparser2", "async", "bluebird", "redux", "mobx", "dayjs", "joi",
    "cors", "helmet", "passport", "finalhandler", "serve-index", "compression", "cookie-parser", "express-session",
    "http-proxy", "node-fetch", "form-data", "mime", "negotiator", "accepts", "type-is", "raw-body", "iconv-lite",
    "yaml", "ini", "glob", "rimraf", "mkdirp", "prompts", "inquirer", "ora", "execa", "cross-spawn", "shelljs",
    "request", "connect", "winston", "bunyan", "restify", "karma", "nyc", "terser", "clean-css", "autoprefixer",
    "browserslist", "nanoid", "validator", "xml2js", "jsdom", "nunjucks", "ejs", "pug", "moment-timezone", "yup",
    "class-validator", "redis", "mongodb", "amqplib", "bull", "cron", "follow-redirects", "http-errors",
    "path-to-regexp", "content-disposition", "on-finished", "etag", "fresh", "range-parser", "statuses", "vary",
    "needle", "socket.io-client", "engine.io", "mqtt", "browserify", "gulp", "grunt", "jshint", "uglify-js",
    "csv-parse", "papaparse", "sax", "lru-cache", "keyv", "kafkajs", "objection", "bookshelf", "sequelize", "typeorm",
]

CODE_EXT = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
# Folders the product's indexer skips (extension/engine/discovery/builtin-excludes.ts) and test folders: a gold file
# there could never be retrieved, or is not where a fix lives.
SKIP_DIRS = {"node_modules", "dist", "out", "build", "target", "coverage", "test", "tests", "__tests__", "spec",
             "benchmark", "benchmarks", "example", "examples", "fixtures"}
MAX_GOLD = 4
MAX_PER_PACKAGE = 12
CHANGELOG_NAMES = ("changelog.md", "history.md", "changes.md", "changelog", "history", "changes")

VERSION_HEADING = [
    re.compile(r"^#{1,4}\s*(?:version\s+|release\s+)?\[?(?:\*\*)?v?(\d+\.\d+\.\d+)(?:\*\*)?\]?(?:\W|$)", re.I),
    re.compile(r"^<a name=\"v?(\d+\.\d+\.\d+)\">"),
    re.compile(r"^v?(\d+\.\d+\.\d+)\s*/\s*\d{4}-\d\d-\d\d"),  # History.md: "1.2.3 / 2020-01-01" then "====="
]
BULLET = re.compile(r"^ ?[-*+]\s+(.*)$")  # a top-level entry (a nested one is indented further)
NOISE = re.compile(
    r"^(deps?|dependencies|build|ci|chore|docs?|test|tests|style|release|refactor)\b\s*(\([^)]*\))?\s*:|"
    r"\b(bump(ed)?|upgrade[sd]? (dev)?dependenc|update[sd]? (dev)?dependenc|readme|typo|changelog|"
    r"merge (pull request|branch)|dev ?dependenc|ci\b|github actions|\bnode(\.js)? (support|version)|"
    r"drop(ped)? support|semver|license|new version of|(update|upgrade)[sd]? \S+ to v?\d)", re.I)


def fetch(url: str) -> bytes:
    CACHE.mkdir(parents=True, exist_ok=True)
    dest = CACHE / re.sub(r"[^A-Za-z0-9._-]", "_", url.removeprefix(REGISTRY))
    if not dest.exists():
        with urllib.request.urlopen(url, timeout=60) as r:
            data = r.read()
        dest.write_bytes(data)
    return dest.read_bytes()


def stable_versions(packument: dict) -> list[str]:
    vs = [v for v in packument["versions"] if re.fullmatch(r"\d+\.\d+\.\d+", v)]
    return sorted(vs, key=lambda v: tuple(int(x) for x in v.split(".")))


def code_files(tgz: bytes) -> dict[str, bytes]:
    """Path (below the tarball's top folder) → bytes, for the code files the product would index."""
    out = {}
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        for m in tar.getmembers():
            if not m.isfile():
                continue
            parts = m.name.split("/")[1:]
            path = "/".join(parts)
            if not path.endswith(CODE_EXT) or re.search(r"\.min\.[cm]?js$|\.(test|spec)\.", path):
                continue
            if any(p in SKIP_DIRS for p in parts[:-1]):
                continue
            out[path] = tar.extractfile(m).read()
    return out


def changelog_text(tgz: bytes) -> str | None:
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        for m in tar.getmembers():
            parts = m.name.split("/")
            if m.isfile() and len(parts) == 2 and parts[1].lower() in CHANGELOG_NAMES:
                return tar.extractfile(m).read().decode("utf-8", "replace")
    return None


def changelog_sections(text: str) -> dict[str, list[str]]:
    """Version → its top-level entries (continuation lines joined; nested entries dropped)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        version = next((m.group(1) for rx in VERSION_HEADING if (m := rx.match(line.strip()))), None)
        if version:  # a version heading seen before (a link list at the end) starts nothing
            current = None if version in sections else sections.setdefault(version, [])
            continue
        if current is None:
            continue
        b = BULLET.match(line)
        if b:
            current.append(b.group(1).strip())
        elif line.startswith("  ") and not line.lstrip().startswith(("-", "*", "+")) and current and line.strip():
            current[-1] += " " + line.strip()
    return sections


def clean_entry(entry: str) -> str:
    s = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", entry)           # markdown links → their text
    s = re.sub(r"https?://\S+", "", s)
    s = re.sub(r"\(\s*#\d+(\s*,\s*#\d+)*\s*\)|#\d+\b", "", s)        # issue / PR numbers
    s = re.sub(r"\b[0-9a-f]{7,40}\b", "", s)                          # commit hashes
    s = re.sub(r"\b(by|thanks(,| to)?|via|in|from|@)\s*@[\w-]+.*$", "", s, flags=re.I)
    s = re.sub(r"@[\w-]+", "", s)
    s = re.sub(r"^(fix|feat|perf|bug ?fix|fixed|feature)\s*(\([^)]*\))?\s*:\s*", "", s, flags=re.I)
    s = s.replace("**", "").replace("__", "")
    s = re.sub(r"\(\s*\)|\[\s*\]|``", "", s)
    s = re.sub(r"\((reported|thanks|via)\b.*$", "", s, flags=re.I)     # a credit cut off by the clean-up above
    return re.sub(r"\s+", " ", s).strip(" .,;:-\\")


def pinned_release(packument: dict, versions: list[str]) -> tuple[str | None, bytes | None, str | None]:
    """The newest last-release-of-a-major-version whose tarball ships a changelog (many packages stopped shipping
    one), with its tarball and changelog; the changelog then covers every release up to the pinned one."""
    last_of_major: dict[str, str] = {}
    for v in versions:
        last_of_major[v.split(".")[0] if not v.startswith("0.") else ".".join(v.split(".")[:2])] = v
    for v in sorted(last_of_major.values(), key=lambda v: tuple(int(x) for x in v.split(".")), reverse=True):
        tgz = fetch(packument["versions"][v]["dist"]["tarball"])
        text = changelog_text(tgz)
        if text is not None:
            return v, tgz, text
    return None, None, None


def package_questions(name: str, log: list[str]) -> tuple[dict | None, list[dict]]:
    packument = json.loads(fetch(REGISTRY + name))
    versions = stable_versions(packument)
    pinned, pinned_tgz, text = pinned_release(packument, versions)
    if text is None:
        log.append(f"{name}: no changelog in the last release of any major version")
        return None, []
    pinned_files = code_files(pinned_tgz)
    if not pinned_files:
        log.append(f"{name}@{pinned}: no code outside build folders")
        return None, []
    sections = changelog_sections(text)
    questions = []
    for version in sorted(sections, key=lambda v: tuple(int(x) for x in v.split(".")), reverse=True):
        if len(questions) >= MAX_PER_PACKAGE:
            break
        if version not in versions or versions.index(version) == 0:
            continue
        entries = [e for e in (clean_entry(x) for x in sections[version] if not NOISE.search(x))
                   if len(e.split()) >= 4 and re.match(r"[\w`'\"]", e)]
        if len(entries) != 1 or len(sections[version]) > 3:
            continue
        before = versions[versions.index(version) - 1]
        try:
            new = code_files(fetch(packument["versions"][version]["dist"]["tarball"]))
            old = code_files(fetch(packument["versions"][before]["dist"]["tarball"]))
        except Exception as e:  # an unpublished or broken tarball: skip the release, say so
            log.append(f"{name}@{version}: tarball unreadable ({e})")
            continue
        changed = sorted(p for p, b in new.items() if old.get(p) != b)
        if not changed or len(changed) > MAX_GOLD:
            continue
        gold = [p for p in changed if p in pinned_files]
        if not gold:
            continue
        questions.append({
            "id": f"{name}@{version}", "corpus": name, "question": entries[0][:500], "gold_files": gold,
            "release": version, "previous": before,
        })
    corpus = {"source": "npm", "package": name, "version": pinned, "subdir": "package",
              "license": packument["versions"][pinned].get("license")}
    log.append(f"{name}@{pinned}: {len(sections)} changelog versions, {len(questions)} questions")
    return corpus, questions


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packages", help="comma-separated npm names (default: the built-in list)")
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    names = args.packages.split(",") if args.packages else PACKAGES
    log: list[str] = []
    corpora, rows = {}, []
    for name in names:
        try:
            corpus, questions = package_questions(name, log)
        except Exception as e:  # a package the registry will not give: logged, the rest go on
            log.append(f"{name}: failed ({type(e).__name__}: {e})")
            continue
        print(log[-1], flush=True)
        if corpus and questions:
            corpora[name] = corpus
            rows.extend(questions)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "corpora.json").write_text(json.dumps(corpora, indent=1, sort_keys=True) + "\n")
    (args.out / "changelog_loc.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    stats = {"questions": len(rows), "corpora": len(corpora), "log": log}
    (args.out / "build_stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    print(f"{len(rows)} questions over {len(corpora)} packages -> {args.out}")


if __name__ == "__main__":
    main()
