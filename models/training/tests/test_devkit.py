"""The development kit's builder (models/training/devkit/build.py): how a changelog becomes questions and a tarball
becomes the code files a release changed. Offline: the tarballs are made here."""
import io
import tarfile

from models.training.devkit.build import NOISE, changelog_sections, clean_entry, code_files

CHANGELOG = """# Changelog

## [2.1.0](https://example.com/compare) (2021-03-04)
- Fix `parse()` when the input has a BOM ([#123](https://example.com/pull/123)) by @someone
  and the second line of the same entry
    - a nested entry, dropped

2.0.1 / 2020-01-01
==================
  * deps: bump foo@1.2.3
  * Add `strict` option to `format`

## **1.0.0**
* feat(core): first release

[2.1.0]: https://example.com/compare
## 2.1.0
- a second heading for 2.1.0 starts nothing
"""


def test_changelog_sections_read_markdown_history_and_bold_headings():
    sections = changelog_sections(CHANGELOG)
    assert list(sections) == ["2.1.0", "2.0.1", "1.0.0"]  # History.md's "2.0.1 / date" heading too
    assert sections["2.1.0"] == ["Fix `parse()` when the input has a BOM ([#123](https://example.com/pull/123)) by "
                                 "@someone and the second line of the same entry"]
    assert sections["1.0.0"] == ["feat(core): first release"]


def test_entries_are_cleaned_of_links_numbers_credits_and_prefixes():
    assert clean_entry("Fix `parse` when the input has a BOM ([#123](https://example.com/pull/123)) by @someone") \
        == "Fix `parse` when the input has a BOM"
    assert clean_entry("feat(core): allow `null` in 3f9a2b1c options (#45, #46)") == "allow `null` in options"
    assert NOISE.search("deps: bump foo@1.2.3") and NOISE.search("Update dependency bar to v2")
    assert not NOISE.search("Add `strict` option to `format`")


def _tarball(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_code_files_keep_what_the_indexer_reads_and_drop_tests_builds_and_bundles():
    files = code_files(_tarball({
        "index.js": "a", "lib/parse.ts": "b", "lib/parse.test.js": "c", "test/x.js": "d", "dist/index.js": "e",
        "index.min.js": "f", "README.md": "g", "types/index.d.ts": "h",
    }))
    assert sorted(files) == ["index.js", "lib/parse.ts", "types/index.d.ts"]
    assert files["index.js"] == b"a"
