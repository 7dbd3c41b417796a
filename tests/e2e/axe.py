"""axe-core, vendored under static/vendor, run in the page under test."""

from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core-4.14.1" / "axe.min.js"


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as loaded."""
    # Evaluated through the browser's debugging protocol, which the registry's content
    # security policy does not govern: a <script> tag added to the page would be refused.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    """The violations as an assertion message a person can act on."""
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        + ")"
        for v in violations
    )
