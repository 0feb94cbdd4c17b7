"""README.md and docs/: short README, links that resolve, a layout that matches api/, CI's test command."""

import re
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
API = ROOT / "api"
# CI (.ci/run) runs the line after this one with bash: it is the README's own test command
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_INLINE_CODE = re.compile(r"(`+).*?\1")
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_LAYOUT_ENTRY = re.compile(r"^- `([^`]+)`")
_API_PATH = re.compile(r"(?<![\w./-])api/[\w./-]*[\w/]")


def _pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _prose(path: Path) -> list[str]:
    """The file's lines outside fenced code blocks (code blocks hold neither links nor headings)."""
    lines: list[str] = []
    fenced = False
    for line in path.read_text().splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces made hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    kept = "".join(char for char in text if char in " -_" or unicodedata.category(char)[0] in {"L", "N", "M"})
    return kept.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: Counter[str] = Counter()
    anchors: set[str] = set()
    for line in _prose(path):
        match = _HEADING.match(line)
        if match is None:
            continue
        slug = _slug(match.group(2))
        anchors.add(slug if seen[slug] == 0 else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return anchors


def _links(path: Path) -> list[str]:
    found: list[str] = []
    for line in _prose(path):
        reference = _REFERENCE_LINK.match(line)
        if reference is not None:
            found.append(reference.group(1))
            continue
        found.extend(_INLINE_LINK.findall(_INLINE_CODE.sub("", line)))
    return found


def _relative(target: str) -> bool:
    return not (_SCHEME.match(target) or target.startswith("//"))


def _broken(page: Path, target: str) -> str | None:
    """Why a relative link from `page` does not resolve, or None when it does."""
    address, _, fragment = target.partition("#")
    base = ROOT if address.startswith("/") else page.parent
    destination = (base / unquote(address.lstrip("/"))).resolve() if address else page
    if not destination.is_relative_to(ROOT):
        return "points outside the repository"
    if not destination.exists():
        return "no such file"
    if fragment:
        if destination.suffix != ".md":
            return "a fragment on a file without headings"
        if unquote(fragment) not in _anchors(destination):
            return f"no heading #{fragment} in {destination.relative_to(ROOT)}"
    return None


def _section(lines: list[str], title: str) -> list[str]:
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def test_readme_stays_under_250_lines() -> None:
    assert len(README.read_text().splitlines()) < 250


def test_every_relative_link_resolves_to_a_file_and_heading_in_the_repository() -> None:
    checked = 0
    broken: list[str] = []
    for page in _pages():
        for target in filter(_relative, _links(page)):
            checked += 1
            reason = _broken(page, target)
            if reason is not None:
                broken.append(f"{page.relative_to(ROOT)}: ({target}) {reason}")
    assert broken == []
    assert checked > 0


def test_a_link_to_a_missing_heading_or_outside_the_repository_is_caught() -> None:
    # the check above can fail: a wrong fragment, a missing file and an escape from the repository are named
    assert _broken(README, "docs/http-api.md#endpoints") is None
    assert _broken(README, "docs/http-api.md#no-such-heading") is not None
    assert _broken(README, "docs/no-such-page.md") is not None
    assert _broken(README, "../README.md") == "points outside the repository"


def test_headings_get_githubs_anchors() -> None:
    assert _slug("The `GET /user/me` cache, and why revocation stays immediate") == (
        "the-get-userme-cache-and-why-revocation-stays-immediate"
    )
    assert _slug("Client authentication and `client_credentials`") == (
        "client-authentication-and-client_credentials"
    )
    assert _slug("E-mail: verification and password reset") == "e-mail-verification-and-password-reset"


def test_no_page_refers_to_the_shared_folder_outside_the_repository() -> None:
    assert [page.name for page in _pages() if "../shared" in page.read_text()] == []


def test_readme_links_every_docs_page() -> None:
    linked = {target.partition("#")[0] for target in _links(README)}
    assert {f"docs/{page.name}" for page in DOCS.glob("*.md")} <= linked


def test_every_docs_page_opens_with_a_title_and_a_one_line_statement() -> None:
    for page in sorted(DOCS.glob("*.md")):
        title, blank, statement = page.read_text().splitlines()[:3]
        assert title.startswith("# ") and blank == "" and statement, page.name


def test_readme_layout_names_exactly_the_entries_of_api() -> None:
    entries = {
        f"{path.name}/" if path.is_dir() else path.name
        for path in API.iterdir()
        if path.name != "__pycache__"
    }
    named = [
        match.group(1)
        for match in map(_LAYOUT_ENTRY.match, _section(README.read_text().splitlines(), "Layout"))
        if match is not None
    ]
    assert sorted(named) == sorted(entries)


def test_every_api_path_the_pages_name_exists() -> None:
    missing = [
        f"{page.relative_to(ROOT)}: {path}"
        for page in _pages()
        for path in _API_PATH.findall(page.read_text())
        if not (ROOT / path).exists()
    ]
    assert missing == []


def test_the_line_after_install_and_run_the_tests_is_ci_s_test_command() -> None:
    lines = README.read_text().splitlines()
    assert lines[lines.index("# install and run the tests") + 1] == TEST_COMMAND


def test_every_image_a_page_shows_exists() -> None:
    shown = [
        (page, target)
        for page in _pages()
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text())
    ]
    assert [f"{page.name}: {target}" for page, target in shown if not (page.parent / target).is_file()] == []
    assert any(target.startswith("images/admin-") for _, target in shown)
