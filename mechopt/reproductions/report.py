"""The report of ``mechopt reproduce``: sections of blocks, written as Markdown and as one HTML file.

A paper's section is a list of blocks (text, tables, figures) and the certificate verdicts of
every equilibrium or optimum it computed.  The Markdown links the figures (PNG files beside it);
the HTML embeds them, so that report.html is one self-contained file.
"""

from __future__ import annotations

import base64
import functools
import html
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distributed import Client, Future


@dataclass(frozen=True)
class Text:
    """A paragraph (plain text; `code` spans are kept)."""

    text: str


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""

    def __post_init__(self) -> None:
        bad = [r for r in self.rows if len(r) != len(self.columns)]
        if bad:
            raise ValueError(f"rows: a row has {len(bad[0])} cells for {len(self.columns)} columns")


@dataclass(frozen=True)
class Figure:
    """A PNG file, named relative to the report's folder, with the paper's caption beside ours."""

    file: str
    caption: str


@dataclass(frozen=True)
class Certified:
    """The certificate verdict of one answer: what it is, its status and whether it verified."""

    what: str
    status: str
    verified: bool


Block = Text | Table | Figure

OUTCOMES = ("reproduced", "reproduced with a difference", "not reproducible here")


@dataclass(frozen=True)
class Claim:
    """One figure, table, theorem, lemma or algorithm of a paper and what the report makes of it:
    one of ``OUTCOMES``, with why (where the report shows it, what differs, or what is missing)."""

    item: str
    outcome: str
    why: str

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome: expected one of {', '.join(OUTCOMES)}, got {self.outcome!r}")


def render_png(draw: Callable[[object], None], size: tuple[float, float], dpi: int, crop: bool) -> bytes:
    """The PNG of a matplotlib figure of ``size`` inches drawn by ``draw(fig)``: laid out tight
    (``fig.tight_layout``), or cropped to its drawn area (``crop``: ``bbox_inches="tight"``)."""
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=size)
    draw(fig)
    out = io.BytesIO()
    if crop:
        fig.savefig(out, format="png", dpi=dpi, bbox_inches="tight")
    else:
        fig.tight_layout()
        fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


class FigureDrawing:
    """The report's figures drawn on a Dask cluster's workers while the sections go on (each
    figure's PNG comes back to this process, which writes it: a remote cluster's workers cannot
    write into this folder)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.pending: list[tuple[str, Path, Future]] = []

    def submit(self, paper: str, path: Path, job: Callable[[], bytes]) -> None:
        self.pending.append((paper, path, self.client.submit(job, pure=False)))

    def papers(self) -> list[str]:
        """The papers with figures submitted and not yet written, in order."""
        return list(dict.fromkeys(p[0] for p in self.pending))

    def write(self, paper: str) -> None:
        """Wait for each figure of ``paper`` submitted and write it; a drawing's error is raised here."""
        mine = [p for p in self.pending if p[0] == paper]
        self.pending = [p for p in self.pending if p[0] != paper]
        for _, path, future in mine:
            path.write_bytes(future.result())


_DRAWING: ContextVar[FigureDrawing | None] = ContextVar("drawing", default=None)


@contextmanager
def figures_drawn_by(drawing: FigureDrawing) -> Iterator[FigureDrawing]:
    """Within the block, :func:`save_figure` hands each figure to ``drawing`` instead of drawing it here."""
    token = _DRAWING.set(drawing)
    try:
        yield drawing
    finally:
        _DRAWING.reset(token)


def save_figure(folder: Path, paper: str, name: str, draw: Callable[[object], None], size: tuple[float, float],
                *, dpi: int = 110, crop: bool = False) -> str:
    """The figure ``draw(fig)`` of ``size`` inches as ``folder/figures/PAPER_name.png`` (:func:`render_png`),
    drawn here or by the active :class:`FigureDrawing`; its file name relative to ``folder``."""
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    file = f"figures/{paper}_{name}.png"
    job = functools.partial(render_png, draw, size, dpi, crop)
    drawing = _DRAWING.get()
    if drawing is None:
        (folder / file).write_bytes(job())
    else:
        drawing.submit(paper, folder / file, job)
    return file


@dataclass(frozen=True)
class Section:
    paper: str
    title: str
    blocks: tuple[Block, ...]
    certificates: tuple[Certified, ...] = field(default=())
    differences: tuple[str, ...] = field(default=())
    """What differs from the paper, and why."""
    inventory: tuple[Claim, ...] = field(default=())
    """Every figure, table, theorem and algorithm of the paper, with its outcome."""

    @property
    def failed(self) -> tuple[Certified, ...]:
        return tuple(c for c in self.certificates if not c.verified)


def _md_block(block: Block) -> str:
    if isinstance(block, Text):
        return block.text
    if isinstance(block, Figure):
        return f"![{block.caption}]({block.file})\n\n*{block.caption}*"
    head = "| " + " | ".join(block.columns) + " |\n|" + "---|" * len(block.columns)
    body = "\n".join("| " + " | ".join(r) + " |" for r in block.rows)
    return (f"*{block.caption}*\n\n" if block.caption else "") + head + "\n" + body


def _certificate_counts(certs: Sequence[Certified]) -> str:
    ok = sum(c.verified for c in certs)
    return f"{ok} of {len(certs)} certificates verified"


def _certificate_table(certs: Sequence[Certified]) -> Table:
    return Table(("answer", "status", "certificate"),
                 tuple((c.what, c.status, "verified" if c.verified else "**NOT verified**") for c in certs))


def _inventory_table(claims: Sequence[Claim]) -> Table:
    return Table(("paper's item", "outcome", "where, or why"), tuple((c.item, c.outcome, c.why) for c in claims))


INVENTORY_TITLE = "Every figure, table, theorem and algorithm of the paper"


def markdown(sections: Sequence[Section], summary: str) -> str:
    parts = ["# mechopt reproduce: report", summary]
    for s in sections:
        parts.append(f"## {s.paper}: {s.title}")
        parts.extend(_md_block(b) for b in s.blocks)
        if s.differences:
            parts.append("### What differs from the paper, and why\n\n" + "\n".join(f"- {d}" for d in s.differences))
        if s.inventory:
            parts.append(f"### {INVENTORY_TITLE}\n\n" + _md_block(_inventory_table(s.inventory)))
        parts.append(f"### Certificates ({_certificate_counts(s.certificates)})")
        parts.append(_md_block(_certificate_table(s.certificates)))
    return "\n\n".join(parts) + "\n"


def _inline(text: str) -> str:
    """HTML of a line: escaped, with `code` and **bold** spans."""
    out = html.escape(text)
    for mark, tag in (("`", "code"), ("**", "b")):
        pieces = out.split(mark)
        out = "".join(p if i % 2 == 0 else f"<{tag}>{p}</{tag}>" for i, p in enumerate(pieces))
    return out


def _html_block(block: Block, folder: Path) -> str:
    if isinstance(block, Text):
        return "".join(f"<p>{_inline(p)}</p>" for p in block.text.split("\n\n"))
    if isinstance(block, Figure):
        data = base64.b64encode((folder / block.file).read_bytes()).decode()
        return (f'<figure><img alt="{html.escape(block.caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{_inline(block.caption)}</figcaption></figure>")
    cap = f"<caption>{_inline(block.caption)}</caption>" if block.caption else ""
    head = "".join(f"<th>{_inline(c)}</th>" for c in block.columns)
    body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in block.rows)
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.2em .5em}"
          "caption{font-style:italic}img{max-width:100%}figcaption{font-style:italic}code{background:#f3f3f3}")


def html_page(sections: Sequence[Section], summary: str, folder: Path) -> str:
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>mechopt reproduce</title>"
             f"<style>{_STYLE}</style></head><body><h1>mechopt reproduce: report</h1><p>{_inline(summary)}</p>"]
    for s in sections:
        parts.append(f"<h2>{html.escape(s.paper)}: {_inline(s.title)}</h2>")
        parts.extend(_html_block(b, folder) for b in s.blocks)
        if s.differences:
            items = "".join(f"<li>{_inline(d)}</li>" for d in s.differences)
            parts.append(f"<h3>What differs from the paper, and why</h3><ul>{items}</ul>")
        if s.inventory:
            parts.append(f"<h3>{INVENTORY_TITLE}</h3>" + _html_block(_inventory_table(s.inventory), folder))
        parts.append(f"<h3>Certificates ({_certificate_counts(s.certificates)})</h3>")
        parts.append(_html_block(_certificate_table(s.certificates), folder))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(sections: Sequence[Section], summary: str, folder: Path) -> tuple[Path, Path]:
    md = folder / "report.md"
    md.write_text(markdown(sections, summary))
    page = folder / "report.html"
    page.write_text(html_page(sections, summary, folder))
    return md, page
