"""axe-core in the browser tests: a page's serious and critical accessibility violations, and screenshots of
the console for docs/administration.md."""

import os
from pathlib import Path

from playwright.sync_api import Page

from .peer_provider import require_node

AXE_DIR = Path(__file__).resolve().parent / "peers" / "axe-core"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


def require_axe() -> Path:
    """axe-core's script, installed once (as every node peer's packages are)."""
    require_node(AXE_DIR, "axe-core")
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
