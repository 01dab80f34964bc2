#!/usr/bin/env bash
# get-corpus.sh ID DEST: put the development kit's corpus ID (a corpora.json key: an npm package at a pinned version)
# in DEST and print the folder to index, to which its gold paths are relative. The same contract as the eval kit's
# script, so `clara eval --data models/training/devkit` materialises these corpora the same way. The package's
# changelogs are removed: the questions are their entries, so a changelog would be the best match for every question.
# A DEST that already holds the pinned version is reused; `list` prints the ids.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
id="${1:?usage: get-corpus.sh ID DEST | list}"
if [[ "$id" == list ]]; then
  python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))))' "$here/corpora.json"
  exit 0
fi
dest="${2:?usage: get-corpus.sh ID DEST}"
read -r package version subdir < <(python3 -c '
import json, sys
c = json.load(open(sys.argv[1])).get(sys.argv[2])
if c is None or c.get("source") != "npm":
    sys.exit("unknown corpus %r; known: %s" % (sys.argv[2], ", ".join(json.load(open(sys.argv[1])))))
print(c["package"], c["version"], c["subdir"])' "$here/corpora.json" "$id")
stamp="$dest.stamp"
want="$package@$version without changelogs"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -d "$dest/$subdir" ]]; then
  echo "$dest/$subdir"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "$package@$version" --silent >/dev/null && tar -xzf ./*.tgz && rm -f ./*.tgz)
find "$tmp" -type f -regextype posix-extended \
  -iregex '.*/(changelog|history|changes|release-notes|releases|news)(\.(md|markdown|txt|rst))?' -delete
rm -rf "$dest" "$stamp"
mkdir -p "$(dirname "$dest")"
mv "$tmp" "$dest"
trap - EXIT
echo "$want" > "$stamp"
echo "$dest/$subdir"
