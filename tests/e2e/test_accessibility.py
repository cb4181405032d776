"""Every view of the real window audited with axe-core at WCAG 2.1 A and AA, in English,
Arabic (right to left) and the pseudo-locale, on a light and a dark desktop; each view's
screenshot is saved (tests/artifacts/screens/<language>-<theme>-<view>.png).

axe-core cannot load in the shipped window: it compiles its message templates with
`new Function` (the window's CSP has no 'unsafe-eval') and one of its classes assigns
`toString`, which a frozen Object.prototype forbids. The audit runs in target/audit/,
the same app built with only those two settings changed (tests/e2e/axe-build.json,
built by tests/run.sh); everything the customer sees is the shipped page."""

import pytest

from app_driver import TauriDriver
from conftest import DRIVER_LOG, ROOT
from views import SLOW_KIOSK, a_kiosks_countdown, every_view_of_a_chat

AUDIT_APP = ROOT / "target" / "audit" / "xima-chat"
AXE = sorted((ROOT / "target" / "tools").glob("axe-core-*/axe.min.js"))  # tests/lib/setup.sh pins the version

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """
const [tags, done] = arguments;
axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }).then(
  (results) => done(results.violations.map((violation) => ({
    rule: violation.id,
    impact: violation.impact,
    nodes: violation.nodes.map((node) => `${node.target.join(" ")}: ${node.failureSummary}`),
  }))),
  (error) => done([{ rule: "axe did not run", impact: "critical", nodes: [String(error)] }]));
"""

@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE or not AUDIT_APP.exists():
        pytest.fail("the audit needs axe-core and the audit build: tests/run.sh fetches and builds both")
    return AXE[-1].read_text()

@pytest.fixture(params=["light", "dark"])
def theme(request, tauri_driver):
    """(theme, the tauri-driver whose apps run under it); before open_app, so it outlives the window."""
    if request.param == "light":
        yield "light", tauri_driver
    else:
        with TauriDriver(DRIVER_LOG, log_level="debug", GTK_THEME="Adwaita:dark") as service:
            yield "dark", service.url

class Audit:
    """Screenshots a view and runs axe on it; keeps every violation for one report."""

    def __init__(self, window, axe_source: str, name: str):
        self.window, self.axe_source, self.name = window, axe_source, name
        self.found: dict[str, list] = {}

    def __call__(self, view: str):
        self.window.screenshot(f"{self.name}-{view}")
        driver = self.window.driver
        if not driver.execute_script("return typeof axe === 'object'"):
            driver.execute_script(self.axe_source)
        violations = driver.execute_async_script(RUN_AXE, WCAG_21_AA)
        if violations:
            self.found[view] = violations

@pytest.mark.parametrize("language", ["en", "ar", "qps"])
def test_every_view_has_no_wcag_21_aa_violation(theme, open_app, sim, axe_source, language):
    name, driver_url = theme
    window = open_app(app=AUDIT_APP, driver_url=driver_url, extra_args=("--language", language))
    audit = Audit(window, axe_source, f"{language}-{name}")
    every_view_of_a_chat(window, sim, audit)
    window.kill()  # one WebDriver session at a time

    kiosk = open_app(app=AUDIT_APP, driver_url=driver_url, config_text=SLOW_KIOSK, extra_args=("--language", language))
    audit.window = kiosk
    a_kiosks_countdown(kiosk, sim, audit)

    assert audit.found == {}, "\n".join(
        f"{view}: {violation['rule']} ({violation['impact']}) at {node}"
        for view, violations in audit.found.items() for violation in violations for node in violation["nodes"])
