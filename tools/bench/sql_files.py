"""The benchmark's SQL, kept as data files under tools/bench/sql/ (read, never copied into code)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


def _split(path: Path) -> tuple[list[str], str]:
    """(leading comment lines without "-- ", the statement text after them)."""
    lines = path.read_text().splitlines()
    head = 0
    while head < len(lines) and (lines[head].startswith("--") or not lines[head].strip()):
        head += 1
    comments = [line.removeprefix("--").strip() for line in lines[:head] if line.startswith("--")]
    return comments, "\n".join(lines[head:]).strip().rstrip(";")


def statement(name: str) -> str:
    """A one-statement file without its leading comment (psycopg would read `%` in comments)."""
    return _split(SQL_DIR / name)[1]


def recommended_indexes() -> list[str]:
    """The CREATE INDEX statements of recommended_indexes.sql, comments stripped."""
    text = "\n".join(
        line
        for line in (SQL_DIR / "recommended_indexes.sql").read_text().splitlines()
        if not line.startswith("--")
    )
    return [" ".join(part.split()) for part in text.split(";") if part.strip()]


@dataclass(frozen=True)
class SeedQuery:
    """Document 000's own query for one or more of the pack's queries."""

    file: str
    targets: tuple[str, ...]  # "panel <title>", "variable <name>", "alert <name>"
    source: str  # where in the document it comes from
    sql: str


def seed_queries() -> list[SeedQuery]:
    """Every file of sql/seed/: its first line says which queries it is the baseline of
    (`-- for: panel Stuck Sites | alert clerk_stuck_sites`), the next lines where it comes from."""
    seeds = []
    for path in sorted((SQL_DIR / "seed").glob("*.sql")):
        comments, sql = _split(path)
        if not comments or not comments[0].startswith("for:"):
            raise ValueError(f"{path}: the first line must be `-- for: panel <title> | alert <name> ...`")
        targets = tuple(t.strip() for t in comments[0].removeprefix("for:").split("|"))
        source = " ".join(comments[1:]).removeprefix("Source: ")
        seeds.append(SeedQuery(path.name, targets, source, sql))
    return seeds
