"""axe-core in the browser tests: a page's serious and critical accessibility violations, and screenshots of
the console for docs/administration.md."""

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE_DIR = Path(__file__).resolve().parent / "peers" / "axe-core"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


def require_axe() -> Path:
    """axe-core's script, installed once (`npm ci` under a lock: test runs may start together)."""
    if shutil.which("npm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("npm is needed to install axe-core (tests/peers/axe-core)")
        pytest.skip("npm is not installed: axe-core cannot be installed")
    with (AXE_DIR / ".npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE_SCRIPT.is_file():
            installed = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=AXE_DIR,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert installed.returncode == 0, installed.stderr
    return AXE_SCRIPT


def serious_violations(page: Page) -> list[str]:
    """What axe-core finds serious or critical on the page as it stands, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated, not added as a <script>: the pages' CSP allows no inline script, and must not be loosened
        page.evaluate(require_axe().read_text() + "\n;undefined")
    found: list[str] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`)
        """
    )
    return found


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page."""
    found = serious_violations(page)
    assert found == [], f"{page.url}: {found}"


def photograph(page: Page, name: str) -> None:
    """A screenshot of the viewport as `admin-NAME.png`: into docs/images with DOCS_SCREENSHOTS=1 (to update
    the documentation), else among the test artifacts."""
    folder = DOCS_IMAGES if os.environ.get("DOCS_SCREENSHOTS") == "1" else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"admin-{name}.png"))
