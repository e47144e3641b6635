"""Headless Chromium and poppler-utils from Debian's packages, to test the printable report.

Chromium prints a page to PDF and takes screenshots; pdfinfo and pdftotext read the PDF back.
It runs with the network quiet (no background fetches, sync, extensions or first-run pages) and
a throwaway profile, so a test touches nothing outside its own directory.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.servers.apt import install_reason

PACKAGES = ("chromium", "poppler-utils")
_NEEDED = ("chromium", "pdfinfo", "pdftotext", "pdftoppm")
FLAGS = (
    "--headless",
    "--no-sandbox",  # root in a container: Chromium's sandbox needs namespaces it may not have
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pings",
    "--metrics-recording-only",
    "--hide-scrollbars",
    "--no-pdf-header-footer",
)


def missing_packages_reason() -> str | None:
    """Install Chromium and poppler-utils if missing; return why they cannot be had, or None."""
    return install_reason(
        "Chromium and poppler-utils", PACKAGES, lambda: all(shutil.which(n) for n in _NEEDED)
    )


class Chromium:
    """Headless Chromium with a profile of its own."""

    def __init__(self) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="hours-chromium-"))

    def run(self, *args: str) -> None:
        """Run Chromium once with the quiet flags and `args`; raise if it fails."""
        command = ["chromium", *FLAGS, f"--user-data-dir={self.profile}", *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"chromium failed ({result.returncode}): {result.stderr[-2000:]}")

    def print_pdf(self, page: Path, pdf: Path) -> Path:
        """Print `page` to `pdf` as Chromium's print dialog would."""
        self.run(f"--print-to-pdf={pdf}", page.resolve().as_uri())
        return pdf

    def screenshot(self, page: Path, png: Path, width: int, height: int) -> Path:
        """Take a screenshot of `page` in a window of width x height CSS pixels."""
        self.run(f"--screenshot={png}", f"--window-size={width},{height}", page.resolve().as_uri())
        return png

    def close(self) -> None:
        """Remove the profile."""
        shutil.rmtree(self.profile, ignore_errors=True)


def pdf_pages(pdf: Path) -> tuple[int, str]:
    """Return a PDF's page count and page size, as pdfinfo says them."""
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    return int(fields["Pages"]), fields["Page size"].strip()


def pdf_text(pdf: Path) -> str:
    """Return a PDF's text, as pdftotext reads it."""
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_to_png(pdf: Path, png_stem: Path, dpi: int = 60) -> Path:
    """Render a PDF's first page to PNG (`png_stem`.png), to look at."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", "-f", "1", str(pdf), str(png_stem)],
        check=True,
        capture_output=True,
    )
    return png_stem.with_suffix(".png")
