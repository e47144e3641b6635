"""The HTML report in a real browser: one printed page, A4 or Letter, holding the week.

Headless Chromium prints the page to PDF; pdfinfo counts its pages and pdftotext reads it back.
Screenshots of the page and of the SVG are kept in test-artifacts/ to be looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import run, write_config
from tests.report_config import CONFIG, COVERED
from tests.servers.chromium import (
    Chromium,
    missing_packages_reason,
    pdf_pages,
    pdf_text,
    pdf_to_png,
)
from tests.servers.plugin import unavailable

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
A4 = "@page { size: A4 landscape; margin: 12mm; }"
LETTER = "@page { size: letter landscape; margin: 12mm; }"

BUSY = (
    CONFIG.replace('name = "Sam\'s Nails"', 'name = "Samantha\'s Nail & Beauty Studio, Queen West"')
    + """
[holidays]
country = "CA"
subdivision = "ON"

[[closed]]
from = 2026-12-24
to = 2026-12-26
reason = "Christmas with the family in Kingston, back on Monday"

[[closed]]
date = 2026-12-22
hours = ["12:00-13:00", "15:30-24:00"]
reason = "Lunch, then the school concert and the dentist, all on one afternoon"
"""
)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    reason = missing_packages_reason()
    if reason is not None:
        unavailable(reason)
    browser = Chromium()
    yield browser
    browser.close()


def squeeze(text: str) -> str:
    """Return text without whitespace: pdftotext places words, not the spaces between them."""
    return re.sub(r"\s+", "", text)


def html_report(tmp_path: Path, *args: str) -> Path:
    page = tmp_path / "week.html"
    result = run("report", *args, "-o", str(page), catch=False)
    assert result.exit_code == 0
    return page


@pytest.mark.parametrize(
    ("paper", "rule", "size"),
    [("letter", LETTER, "792 x 612 pts (letter)"), ("a4", A4, "841.92 x 594.96 pts (A4)")],
)
def test_the_page_prints_on_one_sheet_holding_the_week(
    chromium: Chromium, tmp_path: Path, paper: str, rule: str, size: str
) -> None:
    write_config(CONFIG)
    page = html_report(tmp_path, "--week", "2026-W48")
    html = page.read_text()
    assert "@page { size: landscape; margin: 12mm; }" in html
    page.write_text(html.replace("@page { size: landscape; margin: 12mm; }", rule))
    pdf = chromium.print_pdf(page, tmp_path / "week.pdf")
    assert pdf_pages(pdf) == (1, size)
    text = squeeze(pdf_text(pdf))
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        assert day in text
    for date in range(23, 30):
        assert f"{date}November" in text
    for total in ("8h", "7h", "6h", "7.5h", "2h", "4h", "40.5hof168", "127.5hoursareyours"):
        assert total in text
    for words in ("Sam'sNails", "23–29November2026", "CA$29.63", "EarlyClose", "09:30–17:00"):
        assert words.lower() in text.lower()
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_to_png(pdf, ARTIFACTS / f"report-{paper}")


def test_a_busy_week_still_fits_one_page(chromium: Chromium, tmp_path: Path) -> None:
    write_config(BUSY)
    page = html_report(tmp_path, "--week", "2026-W52")
    for rule in (A4, LETTER):
        page.write_text(page.read_text().replace("@page { size: landscape; margin: 12mm; }", rule))
        pdf = chromium.print_pdf(page, tmp_path / "busy.pdf")
        assert pdf_pages(pdf)[0] == 1
        text = squeeze(pdf_text(pdf))
        assert "Samantha'sNail&BeautyStudio,QueenWest" in text
        assert "21.5hof168" in text
        assert "ChristmasDay" in text
        assert "BoxingDay" in text
    ARTIFACTS.mkdir(exist_ok=True)
    chromium.screenshot(page, ARTIFACTS / "report-busy.png", 1100, 800)


def test_screenshots_of_the_page_and_the_svg(chromium: Chromium, tmp_path: Path) -> None:
    write_config(CONFIG)
    ARTIFACTS.mkdir(exist_ok=True)
    page = html_report(tmp_path, "--week", "2026-W48")
    png = chromium.screenshot(page, ARTIFACTS / "report.png", 1100, 800)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "week.svg"
    assert run("report", "--week", "2026-W48", "-o", str(svg)).exit_code == 0
    png = chromium.screenshot(svg, ARTIFACTS / "report-svg.png", 1120, 756)
    assert png.stat().st_size > 10_000
    default = tmp_path / "default.html"
    write_config('timezone = "Europe/London"\n[week]\nmon = "09:00-17:00"\n')
    assert run("report", "--week", "2026-W48", "-o", str(default)).exit_code == 0
    chromium.screenshot(default, ARTIFACTS / "report-plain.png", 1100, 800)


def test_cover_windows_print_on_one_page_and_are_drawn(chromium: Chromium, tmp_path: Path) -> None:
    write_config(COVERED)
    page = html_report(tmp_path, "--week", "2026-W48")
    for rule in (A4, LETTER):
        page.write_text(page.read_text().replace("@page { size: landscape; margin: 12mm; }", rule))
        pdf = chromium.print_pdf(page, tmp_path / "covered.pdf")
        assert pdf_pages(pdf)[0] == 1
        text = squeeze(pdf_text(pdf))
        assert "coveredwhileclosed:Jo,Kim" in text
        assert "Jocovers17:00–22:00" in text
        assert "JoandKimcover38ofthem." in text
    ARTIFACTS.mkdir(exist_ok=True)
    chromium.screenshot(page, ARTIFACTS / "report-cover.png", 1100, 800)
    svg = tmp_path / "covered.svg"
    assert run("report", "--week", "2026-W48", "-o", str(svg)).exit_code == 0
    png = chromium.screenshot(svg, ARTIFACTS / "report-cover-svg.png", 1120, 756)
    assert png.stat().st_size > 10_000


def test_the_clients_sheet_prints_on_one_page_without_the_wage(
    chromium: Chromium, tmp_path: Path
) -> None:
    write_config(BUSY)
    page = html_report(tmp_path, "--week", "2026-W52", "--for", "clients")
    page.write_text(page.read_text().replace("@page { size: landscape; margin: 12mm; }", A4))
    pdf = chromium.print_pdf(page, tmp_path / "clients.pdf")
    assert pdf_pages(pdf)[0] == 1
    text = squeeze(pdf_text(pdf))
    assert "Whenyoucanreach" in text
    assert "ChristmasDay" in text
    for private in ("Realhourlywage", "Auto-replies", "CA$", "areyours"):
        assert private not in text
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_to_png(pdf, ARTIFACTS / "report-clients")
    chromium.screenshot(page, ARTIFACTS / "report-clients.png", 1100, 800)
    svg = tmp_path / "clients.svg"
    assert run("report", "--week", "2026-W52", "--for", "clients", "-o", str(svg)).exit_code == 0
    chromium.screenshot(svg, ARTIFACTS / "report-clients-svg.png", 1120, 756)
