"""A browser as people name it ("Chrome 156 on Linux"), from a `User-Agent` header, with ua-parser's rules."""

import ua_parser

# what a header that names no browser ua-parser knows is cut to: its first product token, as sent
_UNKNOWN_MAX_LENGTH = 40


def readable(user_agent: str | None) -> str | None:
    """The browser and system a `User-Agent` names, e.g. "Firefox 128 on Windows"; None without one."""
    if not user_agent or not user_agent.strip():
        return None
    parsed = ua_parser.parse(user_agent)
    if parsed.user_agent is None:
        return user_agent.split()[0][:_UNKNOWN_MAX_LENGTH]
    browser = parsed.user_agent.family
    if parsed.user_agent.major:
        browser = f"{browser} {parsed.user_agent.major}"
    if parsed.os is None or parsed.os.family == "Other":
        return browser
    return f"{browser} on {parsed.os.family}"
