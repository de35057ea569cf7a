"""Render one sample notice per variant to docs/notices/ (PDF and a PNG of each page, via poppler's pdftoppm).

    .venv/bin/python tools/render_notice_samples.py [docs/notices]

The samples are `messages.samples.sample_notice_variants()`; same data, same bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from messages.notice import render_notice_pdf
from messages.samples import sample_notice_variants


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    pdftoppm = shutil.which("pdftoppm")
    for name, data in sample_notice_variants().items():
        pdf = out / f"{name}.pdf"
        pdf.write_bytes(render_notice_pdf(data))
        if pdftoppm is None:
            sys.stderr.write("pdftoppm not found (apt-get install poppler-utils): PDFs only\n")
            continue
        subprocess.run([pdftoppm, "-png", "-r", "80", str(pdf), str(out / name)], check=True)
        sys.stdout.write(f"{name}: {data.variant}, total {data.total} {data.currency}, deadline {data.deadline}\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/notices"))
