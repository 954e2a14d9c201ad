"""The web page in a real browser: headless Chromium driven by Selenium against the real app.

An owner signs in with a token, asks a question and sees a cited answer, uploads a new version
of a document and sees the answer change, withdraws it through the page's confirmation dialog
and sees it gone from the sources and the answers, and finds both in the history; a lead then
signs in, sees only what a lead may use and runs a threshold audit from a CSV.

Needs Debian's chromium and chromedriver (`scripts/install_system.sh` installs them): without
them this test fails, it does not skip. Screenshots go to a temp folder (or to
WAYMARK_SCREENSHOT_DIR when set) and its path is printed.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CountingEmbeddings, make_service_docx, serving, write_doc
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from waymark.api.app import create_app
from waymark.auth import create_token
from waymark.cases import Cases
from waymark.config import Settings
from waymark.ingest.pipeline import ingest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--window-size=1366,900", "--lang=en-GB"]
WAIT_S = 20

HUBS_BODY = """
    # Family hubs
    ## Visiting a family hub
    The Northbrook family hub is open Monday to Friday, 9am to 5pm.
    To book a visit to the family hub, call 01632 {number} and ask for the duty worker.
    """
QUESTION = "How do I book a visit to the family hub?"
AUDIT_CSV = ("case_ref,text,applied_level\n"
             "A,Keeps missing school.,2\n"
             "B,Domestic abuse at home.,2\n"
             "C,Dad drinks heavily at weekends.,3\n")


def hubs_doc(folder: Path, name: str, version: str, number: str) -> Path:
    return write_doc(folder, name, "t-hubs", HUBS_BODY.format(number=number),
                     title="Family hubs", owner="Hubs team", version=f'"{version}"')


@pytest.fixture
def site(cases: Cases, kb: Path, settings: Settings, embeddings: CountingEmbeddings,
         tmp_path: Path) -> Iterator[dict[str, str]]:
    """The real app on a free port over the `cases` knowledge base plus a family hubs document,
    with an owner and a lead token."""
    hubs_doc(kb, "hubs.md", "1.0", "960100")
    write_doc(kb, "leaflet.md", "t-old-leaflet", "# Old leaflet\nThe drop-in moved in 2024.\n",
              title="Drop-in leaflet <b>2023</b>", owner="Hubs team", effective="2023-01-01",
              review_by="2024-12-31")
    ingest([kb], settings, embeddings=embeddings)
    tokens = tmp_path / "tokens.json"
    owner = create_token(tokens, "Olu Owner", "owner")
    lead = create_token(tokens, "Lee Lead", "lead")
    app_settings = Settings(data_dir=settings.data_dir, knowledge_dir=kb, api_tokens_file=tokens)
    with serving(create_app(app_settings)) as url:
        yield {"url": f"{url}/", "owner": owner, "lead": lead}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(f"the browser test needs Debian's chromium and chromedriver; missing: "
                    f"{', '.join(missing)}. Install them with `sudo scripts/install_system.sh`.")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                              options=options)
    driver.set_page_load_timeout(WAIT_S)
    yield driver
    driver.quit()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("WAYMARK_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


class Page:
    """Small helpers over the driver, named after what a person does on the page."""

    def __init__(self, driver: WebDriver, shots: Path) -> None:
        self.driver = driver
        self.shots = shots
        self.wait = WebDriverWait(driver, WAIT_S)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css: str) -> WebElement:
        element: WebElement = self.wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, css)))
        return element

    def until_text(self, css: str, text: str) -> None:
        self.wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))

    def until_gone(self, css: str) -> None:
        self.wait.until(lambda driver: not driver.find_elements(By.CSS_SELECTOR, css))

    def shows(self, css: str) -> bool:
        return self.find(css).is_displayed()

    def sign_in(self, token: str) -> None:
        self.visible("#token").send_keys(token)
        self.find("#signin-submit").click()
        self.visible("#who-role")

    def ask(self, question: str) -> WebElement:
        before = self.find("#answer").get_attribute("data-answer-id")
        box = self.find("#question")
        box.clear()
        box.send_keys(question)
        self.find("#ask-submit").click()
        self.wait.until(lambda _: self.find("#answer").get_attribute("data-answer-id") != before)
        return self.find("#answer")

    def cited_docs(self) -> list[str]:
        return [li.get_attribute("data-doc-id") or "" for li in self.all("#citations li")]

    def upload(self, file: Path) -> None:
        self.find("#upload-file").send_keys(str(file))
        self.find("#upload-submit").click()

    def screenshot(self, name: str, css: str | None = None) -> None:
        """The window, or the whole of one element even when it is taller than the window."""
        path = self.shots / f"{name}.png"
        if css is None:
            self.driver.save_screenshot(str(path))
            return
        box = self.driver.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "const pad = 8, x = Math.max(r.left + scrollX - pad, 0);"
            "return {x, y: Math.max(r.top + scrollY - pad, 0), width: r.width + 2 * pad,"
            "        height: r.height + 2 * pad};",
            self.find(css))
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "clip": {**box, "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))


def test_owner_and_lead_use_the_page(browser: WebDriver, site: dict[str, str], shots: Path,
                                     tmp_path: Path) -> None:
    page = Page(browser, shots)
    browser.get(site["url"])

    # Tokens are configured, so the page asks for one and shows nothing else.
    page.visible("#signin")
    assert not page.shows("#ask") and not page.shows("#sources")
    page.screenshot("01-sign-in")

    # The owner sees every section and the documents.
    page.sign_in(site["owner"])
    assert page.find("#who-name").text == "Olu Owner"
    assert page.find("#who-role").text.lower() == "owner"
    for section in ("#ask", "#sources", "#upload", "#audit", "#history"):
        assert page.shows(section), section
    page.visible('#sources-table tr[data-doc-id="t-hubs"]')
    rows = page.all("#sources-table tbody tr")
    assert {r.get_attribute("data-doc-id") for r in rows} >= {"t-hubs", "t-fnp", "t-threshold"}

    # The kind filter narrows the table; clearing it brings every row back.
    page.find('#filter-kind option[value="service"]').click()
    kinds = {r.find_elements(By.TAG_NAME, "td")[2].text for r in
             page.all("#sources-table tbody tr")}
    assert kinds == {"service"}
    page.find('#filter-kind option[value=""]').click()
    page.find("#filter-stale").click()
    assert [r.get_attribute("data-doc-id") for r in page.all("#sources-table tbody tr")] == [
        "t-old-leaflet"]
    page.find("#filter-stale").click()
    assert len(page.all("#sources-table tbody tr")) == 5
    # Text from documents is shown as text, never run as markup.
    leaflet = page.find('#sources-table tr[data-doc-id="t-old-leaflet"]')
    assert "Drop-in leaflet <b>2023</b>" in leaflet.text and not page.all("#sources-table b")
    page.screenshot("02-owner-sources", "#sources")

    # A question gets a cited answer: the verbatim quote, title and version.
    answer = page.ask(QUESTION)
    assert "960100" in answer.find_element(By.ID, "answer-text").text
    assert "t-hubs" in page.cited_docs()
    quoting = [li for li in page.all('#citations li[data-doc-id="t-hubs"]')
               if "01632 960100" in li.find_element(By.CSS_SELECTOR, "blockquote").text]
    assert quoting and "Family hubs" in quoting[0].text and "version 1.0" in quoting[0].text
    assert "advises" in page.find("#answer-advisory").text
    page.screenshot("03-cited-answer", "#ask")

    # Immediate risk is escalated first, above the answer.
    page.ask("A child told me she is scared to go home. What should I do?")
    first = page.find("#answer > *")
    assert first.get_attribute("id") == "escalation" and "immediate risk" in first.text.lower()
    page.screenshot("04-escalation", "#ask")

    # Upload a new version: the report says what changed, the table shows the new version.
    new_version = hubs_doc(tmp_path / "upload", "hubs.md", "2.0", "960200")
    page.upload(new_version)
    page.visible('#upload-result [data-test="report-changed"]')
    assert "t-hubs" in page.find('#upload-result [data-test="report-changed"]').text
    page.until_text('#sources-table tr[data-doc-id="t-hubs"]', "2.0")
    page.screenshot("05-upload-report", "#upload")

    # Asking again, the answer carries the new number from version 2.0.
    answer = page.ask(QUESTION)
    assert "960200" in answer.find_element(By.ID, "answer-text").text
    assert "960100" not in answer.text
    assert "version 2.0" in page.find('#citations li[data-doc-id="t-hubs"]').text
    page.screenshot("06-answer-after-upload", "#ask")

    # A bad upload is refused with the API's message shown in the page.
    bad = tmp_path / "upload" / "notes.md"
    bad.write_text("---\nid: notes\nkind: guidance\n# Notes: the front matter is never closed\n",
                   encoding="utf-8")
    page.upload(bad)
    page.visible("#upload-result .error")
    assert "notes.md" in page.find("#upload-result .error").text
    page.screenshot("07-upload-refused", "#upload-result")

    # Withdraw with the page's own confirmation dialog: cancel first, then confirm.
    page.find("#withdraw-t-hubs").click()
    page.visible("#confirm-dialog")
    assert "t-hubs" in page.find("#confirm-text").text
    page.screenshot("08-confirm-withdraw")
    page.find("#confirm-cancel").click()
    assert not page.shows("#confirm-dialog")
    assert page.all('#sources-table tr[data-doc-id="t-hubs"]')
    page.find("#withdraw-t-hubs").click()
    page.visible("#confirm-withdraw").click()
    page.until_gone('#sources-table tr[data-doc-id="t-hubs"]')
    page.until_text('#sources-status [data-test="report-removed"]', "t-hubs")
    page.screenshot("09-withdrawn", "#sources")

    # The answer no longer cites the withdrawn document.
    answer = page.ask(QUESTION)
    assert "t-hubs" not in page.cited_docs() and "t-hubs" not in answer.text
    assert "960200" not in answer.text
    page.screenshot("10-answer-after-withdrawal", "#ask")

    # The history lists the upload and the withdrawal, by whom.
    page.find("#history-refresh").click()
    page.visible('#trail-table tr[data-action="withdrawn"][data-doc-id="t-hubs"]')
    changed = page.find('#trail-table tr[data-action="changed"][data-doc-id="t-hubs"]')
    assert "Olu Owner" in changed.text and "2.0" in changed.text
    assert page.all("#ingests-table tbody tr")
    page.screenshot("11-history", "#history")

    # A lead sees only Ask and the threshold audit.
    page.find("#sign-out").click()
    assert page.find("#question").get_attribute("value") == ""  # nothing left for the next user
    page.sign_in(site["lead"])
    assert page.find("#who-role").text.lower() == "lead"
    assert page.shows("#ask") and page.shows("#audit")
    for section in ("#sources", "#upload", "#history"):
        assert not page.shows(section), section
    page.screenshot("12-lead-signed-in")

    # The audit: agreement, kappa, a shaded confusion matrix, disagreements with indicators.
    csv_file = tmp_path / "cases.csv"
    csv_file.write_text(AUDIT_CSV, encoding="utf-8")
    page.find("#audit-file").send_keys(str(csv_file))
    page.find("#audit-submit").click()
    page.visible("#audit-agreement")
    assert page.find("#audit-agreement").text == "66.7%"
    assert page.find("#audit-kappa").text == "0.40"
    cells = page.all("#confusion-matrix td")
    assert [c.text for c in cells] == ["1", "1", "0", "1"]
    assert all("heat-" in (c.get_attribute("class") or "") for c in cells)
    assert "heat-0" in (cells[2].get_attribute("class") or "")
    case_b = page.find('#audit-disagreements [data-case-ref="B"]')
    assert "domestic-abuse" in case_b.text and "multi-agency" in case_b.text.lower()
    assert not page.all('#audit-disagreements [data-case-ref="A"]')
    page.screenshot("13-threshold-audit", "#audit")

    # One family: what was read in one line, corrected in one step.
    page.find("#family-text").send_keys("Leah is 6 and Jayden is 3, mum is 23. Leah keeps "
                                        "missing school.")
    page.find("#family-submit").click()
    page.until_text("#family-summary", "Children: Leah 6, Jayden 3")
    assert "Mum 23" in page.find("#family-summary").text
    assert page.find("#facts-children").get_attribute("value") == "6, 3"
    page.until_text("#family-level", "Suggested level 2")
    page.screenshot("14-family-read", "#family")
    needs = page.find("#facts-needs")
    needs.send_keys(", domestic-abuse")
    page.find("#facts-submit").click()
    page.until_text("#family-level", "Suggested level 3")
    assert "domestic" in page.find("#family-summary").text.lower()
    page.screenshot("15-family-corrected", "#family")

    # No script error and no Content-Security-Policy violation on the way (the API's 401s and
    # 422s show in the console as failed loads: those are expected).
    problems = [entry["message"] for entry in browser.get_log("browser")
                if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
                or "Content Security Policy" in entry["message"]]
    assert not problems, problems


def test_owner_reviews_and_confirms_a_draft_in_the_page(
        browser: WebDriver, kb: Path, settings: Settings, embeddings: CountingEmbeddings,
        shots: Path, tmp_path: Path) -> None:
    """A Word file that came without metadata: the owner sees it as a draft, reviews each
    proposed field beside the sentence it came from, corrects one, adds the owner and review
    date, and confirms; the sidecar is written and the document is re-indexed as confirmed."""
    hubs_doc(kb, "hubs.md", "1.0", "960100")
    (kb / "services").mkdir()
    docx_path = make_service_docx(kb / "services" / "Little_Voices.docx")
    ingest([kb], settings, embeddings=embeddings)
    tokens = tmp_path / "tokens.json"
    owner = create_token(tokens, "Olu Owner", "owner")
    app_settings = Settings(data_dir=settings.data_dir, knowledge_dir=kb, api_tokens_file=tokens)
    page = Page(browser, shots)
    with serving(create_app(app_settings)) as url:
        browser.get(f"{url}/")
        page.sign_in(owner)
        row = page.visible('#sources-table tr[data-doc-id="little-voices"]')
        assert row.get_attribute("data-metadata") == "draft" and "draft" in row.text
        page.find("#review-little-voices").click()
        page.visible("#draft-review")
        areas = page.find('#draft-fields tr[data-field="eligibility.areas"]')
        assert areas.find_element(By.TAG_NAME, "input").get_attribute("value") == "BV1, BV2, BV5"
        assert "Families living in BV1, BV2 and BV5" in areas.text
        version = page.find("#draft-field-version")
        assert version.get_attribute("value") == "2.1"
        version.clear()
        version.send_keys("2.2")
        page.find("#draft-field-owner").send_keys("Early Years Team")
        page.find("#draft-field-review_by").send_keys("2027-04-01")
        page.screenshot("16-draft-review", "#draft-review")
        page.find("#draft-confirm").click()
        page.until_text('#draft-status [data-test="report-changed"]', "little-voices")
        page.wait.until(lambda _: page.find('#sources-table tr[data-doc-id="little-voices"]')
                        .get_attribute("data-metadata") == "confirmed")
        confirmed = page.find('#sources-table tr[data-doc-id="little-voices"]')
        assert "Early Years Team" in confirmed.text and "2.2" in confirmed.text
        assert not page.all("#review-little-voices")
        page.screenshot("17-draft-confirmed", "#sources")
    sidecar = docx_path.with_name(docx_path.name + ".meta.yaml").read_text(encoding="utf-8")
    assert "owner: Early Years Team" in sidecar and "areas:" in sidecar


def test_the_page_keeps_to_its_content_security_policy() -> None:
    """No inline script, style or event handler, nothing from another site, and no HTML built
    from strings in the script (what the browser test cannot see on every path)."""
    from waymark.api.web import WEB_DIR

    html = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", (WEB_DIR / "app.js").read_text(encoding="utf-8"),
                  flags=re.S)
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/app.js" defer>']
    assert re.search(r"<script[^>]*>\s*[^<\s]", html) is None  # no inline script body
    assert "<style" not in html and " style=" not in html
    assert re.search(r"\son[a-z]+=", html) is None
    assert re.search(r"(src|href)=\"(https?:)?//", html) is None
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "new Function",
                      "document.write", ".style", "setTimeout(\""):
        assert forbidden not in code, forbidden
