"""Browsers named as people read them, from their User-Agent headers."""

import pytest

from api.core.user_agents import readable


@pytest.mark.parametrize(
    ("header", "named"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/156.0.0.0 Safari/537.36",
            "Chrome 156 on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox 128 on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Mobile/15E148 Safari/604.1",
            "Mobile Safari 17 on iOS",
        ),
        ("curl/8.5.0", "curl 8"),
    ],
)
def test_a_known_browser_is_named_with_its_version_and_system(header: str, named: str) -> None:
    assert readable(header) == named


def test_an_unknown_agent_is_named_by_its_first_product() -> None:
    assert readable("python-httpx/0.28.1 (tests)") == "python-httpx/0.28.1"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_agent_has_no_name(header: str | None) -> None:
    assert readable(header) is None
