"""Each loader on real files: text, sections, pages and spans that point back into the text."""

from __future__ import annotations

from pathlib import Path

from conftest import make_pdf, write_doc, write_sidecar

from waymark.chunking import chunk_text, count_tokens
from waymark.loaders import load_document
from waymark.models import ServiceMeta, ThresholdMeta

LIMIT = 10 * 1024 * 1024


def test_markdown_front_matter_sections_and_spans(kb: Path) -> None:
    path = write_doc(kb, "hv.md", "nb-hv", """
        # Health visiting

        Every family with a child under five has a named health visitor.

        ## Who it is for

        Families living in NB1 and NB2.

        ```
        # not a heading inside a code fence
        ```

        ### Exclusions

        Families already open to the Family Nurse Partnership.
        """, kind="service", extra="""
        eligibility:
          child_age: {min_years: 0, max_years: 5}
          areas: [nb1, NB2]
        referral: {route: Self-referral, contact: hv@northbrook.example, self_referral: true}
        """)
    doc = load_document(path, LIMIT)
    assert isinstance(doc.meta, ServiceMeta)
    assert doc.meta.eligibility.areas == ["NB1", "NB2"]
    assert doc.meta.eligibility.child_age and doc.meta.eligibility.child_age.max_years == 5
    assert doc.meta.referral.self_referral is True
    sections = [block.section for block in doc.blocks]
    assert sections == [("Health visiting",), ("Health visiting", "Who it is for"),
                        ("Health visiting", "Who it is for", "Exclusions")]
    chunks = chunk_text(doc.text, doc.blocks, 200, 40)
    assert [c.section[-1] for c in chunks] == ["Health visiting", "Who it is for", "Exclusions"]
    for chunk in chunks:
        assert doc.text[chunk.start:chunk.end] == chunk.text
    assert "not a heading inside a code fence" in chunks[1].text


def test_threshold_front_matter(kb: Path) -> None:
    path = write_doc(kb, "t.md", "nb-thresholds", "# Level 3\n\nText.\n", kind="threshold",
                     extra="""
        levels:
          - {level: 1, name: Universal}
          - {level: 3, name: Targeted}
        indicators:
          - {need: persistent-absence, level: 3, section: "Level 3"}
          - {need: disclosure-of-harm, level: 3, immediate_risk: true}
        """)
    meta = load_document(path, LIMIT).meta
    assert isinstance(meta, ThresholdMeta)
    assert [i.immediate_risk for i in meta.indicators] == [False, True]


def test_pdf_keeps_pages_headings_and_sidecar_metadata(kb: Path) -> None:
    path = make_pdf(kb / "spec.pdf", [
        ["# 1. Who the service is for", "Young parents aged under 20 living in Northbrook."],
        ["# 2. How to refer", "Referrals come from midwives by 28 weeks of pregnancy."],
        ["The nurse visits weekly at first, then every fortnight."],
    ])
    write_sidecar(path, "nb-fnp", kind="service", extra="eligibility:\n  pregnancy: required\n")
    doc = load_document(path, LIMIT)
    assert doc.meta.id == "nb-fnp" and doc.pages == 3
    chunks = chunk_text(doc.text, doc.blocks, 200, 40)
    by_page = {c.page: c for c in chunks}
    assert sorted(by_page) == [1, 2, 3]
    assert "under 20" in by_page[1].text and by_page[1].section == ("1. Who the service is for",)
    assert "28 weeks" in by_page[2].text and by_page[2].section == ("2. How to refer",)
    # a page without a heading of its own stays under the last heading seen
    assert by_page[3].section == ("2. How to refer",)
    for chunk in chunks:
        assert doc.text[chunk.start:chunk.end] == chunk.text


def test_html_text_and_headings(kb: Path) -> None:
    path = kb / "youth.html"
    path.write_text("""<!doctype html><html><head><title>Youth</title>
        <style>body { color: red }</style><script>var x = "hidden";</script></head>
        <body><h1>Targeted youth support</h1><p>For young people aged <b>11</b> to 19.</p>
        <h2>How to refer</h2><ul><li>Call 01632 960400</li><li>Email ys@northbrook.example</li>
        </ul><p>Fish &amp; chips are not provided.</p></body></html>""", encoding="utf-8")
    write_sidecar(path, "nb-youth")
    doc = load_document(path, LIMIT)
    assert "hidden" not in doc.text and "color" not in doc.text
    assert "For young people aged 11 to 19." in doc.text
    assert "Fish & chips" in doc.text
    chunks = chunk_text(doc.text, doc.blocks, 200, 40)
    assert [c.section for c in chunks] == [("Targeted youth support",),
                                           ("Targeted youth support", "How to refer")]
    assert "01632 960400" in chunks[1].text


def test_html_table_rows_read_as_lines_with_their_cells_apart(kb: Path) -> None:
    path = kb / "bus.html"
    path.write_text("""<html><body><h1>Family bus</h1><table>
        <tr><th>Day</th><th>Stop</th><th>Time</th></tr>
        <tr><td>Monday</td><td>Ketterby (HW2), village hall</td><td>9.30am to noon</td></tr>
        <tr><td>Tuesday</td><td>Long Fulbeck</td><td>1.30pm</td></tr></table>
        <p>No booking needed.</p></body></html>""", encoding="utf-8")
    write_sidecar(path, "nb-bus")
    lines = load_document(path, LIMIT).text.splitlines()
    assert "Day \u00b7 Stop \u00b7 Time" in lines
    assert "Monday \u00b7 Ketterby (HW2), village hall \u00b7 9.30am to noon" in lines
    assert "Tuesday \u00b7 Long Fulbeck \u00b7 1.30pm" in lines
    assert "No booking needed." in lines


def test_plain_text_with_sidecar(kb: Path) -> None:
    path = kb / "note.txt"
    path.write_text("Family hubs open at 9am.\n\nThey close at 5pm.\n", encoding="utf-8")
    write_sidecar(path, "nb-note")
    doc = load_document(path, LIMIT)
    assert doc.meta.id == "nb-note" and doc.text.startswith("Family hubs open")


def test_chunks_are_token_sized_with_overlap(kb: Path) -> None:
    sentences = " ".join(f"Sentence number {i} talks about family support." for i in range(200))
    path = write_doc(kb, "long.md", "nb-long", f"# Long\n\n{sentences}\n")
    doc = load_document(path, LIMIT)
    chunks = chunk_text(doc.text, doc.blocks, 100, 20)
    assert len(chunks) > 10
    assert all(count_tokens(c.text) <= 100 for c in chunks)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert doc.text[after.start:after.end] == after.text
        assert after.start < before.end, "consecutive chunks overlap"
    covered = "".join(doc.text[c.start:c.end] for c in chunks)
    assert "Sentence number 199" in covered and "Sentence number 0 " in covered


def make_docx(path: Path, title: str | None = None) -> Path:
    """A real Word document: headings, a bulleted list, a key-value table and a wide table."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    document.add_heading("Little Voices", level=1)
    document.add_paragraph("A speech and language group for toddlers.")
    document.add_heading("Who can use it", level=2)
    table = document.add_table(rows=2, cols=2)
    for row, (key, value) in zip(table.rows, [("Age", "0-5"), ("Area", "BV1-BV4")],
                                 strict=True):
        row.cells[0].text, row.cells[1].text = key, value
    document.add_paragraph("Families must agree to the referral.", style="List Bullet")
    document.add_paragraph("Children already seeing a therapist are not eligible.",
                           style="List Bullet")
    document.add_heading("Sessions", level=2)
    wide = document.add_table(rows=2, cols=3)
    for cell, text in zip(wide.rows[0].cells, ["Day", "Place", "Time"], strict=True):
        cell.text = text
    for cell, text in zip(wide.rows[1].cells, ["Monday", "Brook Hall", "10am"], strict=True):
        cell.text = text
    document.save(str(path))
    return path


def test_docx_headings_lists_and_tables(kb: Path) -> None:
    path = make_docx(kb / "little-voices.docx")
    write_sidecar(path, "bv-little-voices", kind="guidance")
    doc = load_document(path, LIMIT)
    lines = doc.text.splitlines()
    assert "Age: 0-5" in lines and "Area: BV1-BV4" in lines
    assert "- Families must agree to the referral." in lines
    assert "Day: Monday \u00b7 Place: Brook Hall \u00b7 Time: 10am" in lines
    chunks = chunk_text(doc.text, doc.blocks, 200, 40)
    sections = {c.section for c in chunks}
    assert ("Little Voices", "Who can use it") in sections
    assert ("Little Voices", "Sessions") in sections
    who = next(c for c in chunks if c.section == ("Little Voices", "Who can use it"))
    assert "Age: 0-5" in who.text and doc.text[who.start:who.end] == who.text


def test_saved_web_page_keeps_only_its_main_content(kb: Path) -> None:
    path = kb / "family-bus.html"
    path.write_text("""<html><head><title>Family Bus | Brookvale Council</title></head><body>
        <div class="cookie-banner">We use cookies to improve this site. Accept all cookies</div>
        <header><nav class="navigation"><a href="/">Home</a> <a href="/bins">Bins and
        recycling</a> <a href="/council-tax">Council tax</a></nav></header>
        <div class="breadcrumb"><a href="/">Home</a> &gt; Children &gt; Family Bus</div>
        <main><article><h1>The Family Bus</h1>
        <p>The Family Bus brings a family centre to the villages of Brookvale every week, with
        stay and play for children under five and a family support worker to talk to.</p>
        <h2>Who it is for</h2><p>Families living in BV2, BV4 and BV6 with children aged 0 to 5.
        Just turn up: no referral is needed.</p></article></main>
        <aside class="sidebar"><h3>Related pages</h3><a href="/parking">Parking permits</a></aside>
        <footer>Brookvale Council, Town Hall. Privacy notice. Accessibility statement.</footer>
        </body></html>""", encoding="utf-8")
    write_sidecar(path, "bv-family-bus")
    doc = load_document(path, LIMIT)
    assert "Families living in BV2, BV4 and BV6" in doc.text
    for clutter in ("cookies", "Council tax", "Bins", "Parking permits", "Privacy notice",
                    "Accessibility"):
        assert clutter not in doc.text
    chunks = chunk_text(doc.text, doc.blocks, 200, 40)
    assert ("The Family Bus", "Who it is for") in {c.section for c in chunks}


def test_scanned_pdf_is_read_by_ocr(kb: Path) -> None:
    """A page that is only an image of printed text (a scan) is read by Tesseract."""
    import pypdfium2
    from fpdf import FPDF

    printed = make_pdf(kb / "printed.tmp", [["# Young Carers Club",
                                             "The club meets every Saturday morning."]])
    page = pypdfium2.PdfDocument(str(printed))[0].render(scale=300 / 72).to_pil()
    scan = FPDF()
    scan.add_page()
    scan.image(page, x=0, y=0, w=210)
    path = kb / "scan.pdf"
    scan.output(str(path))
    write_sidecar(path, "bv-scan")
    doc = load_document(path, LIMIT)
    assert "every Saturday morning" in " ".join(doc.text.split())
    assert any("read by OCR" in w for w in doc.warnings)
    assert doc.pages == 1 and doc.blocks[0].page == 1


def test_pdf_page_headers_and_footers_are_not_content(kb: Path) -> None:
    bodies = ["The Anchor worker visits the family at home within five days and",
              "agrees a plan with them; the plan is reviewed every six weeks.",
              "Families can ask for a different worker at any time."]
    pages = [["Ashgrove Council - Anchor service specification v1.4", body,
              f"Page {n} of 3 OFFICIAL - printed copies are not controlled"]
             for n, body in enumerate(bodies, start=1)]
    path = make_pdf(kb / "anchor.pdf", pages)
    write_sidecar(path, "ag-anchor", kind="service")
    doc = load_document(path, LIMIT)
    assert "OFFICIAL" not in doc.text and "specification v1.4" not in doc.text
    assert all(body in doc.text for body in bodies) and doc.pages == 3
    # a one-page leaflet keeps every line
    single = make_pdf(kb / "leaflet.pdf", [["Family hubs", "Page 1 of 1"]])
    write_sidecar(single, "ag-leaflet")
    assert "Page 1 of 1" in load_document(single, LIMIT).text
