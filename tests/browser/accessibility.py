"""axe-core's automated WCAG 2.x A and AA checks on a page, as the browser tests reach each state.

axe finds only what can be found automatically; the browser tests also check keyboard use,
focus, reflow at 320 px and target sizes by hand-written rules.
"""

from __future__ import annotations

from typing import Any

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def violations(page: Any) -> list[str]:
    """The WCAG A/AA rules the page breaks, each with the elements that break it."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]})
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
    ]
