"""The bundle's size against its limit, in Python so it runs wherever the bundle is built
(Windows has no `du`): build.spec calls `check` after collecting, scripts/build-bundle and a
person can run it on a built folder.

    python scripts/bundle_size.py [dist/panti-desktop]     exit 1 when over the limit
"""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT_MB = 200
MB = 1024 * 1024


def folder_size(folder: Path) -> int:
    """Bytes in the files below `folder` (links are not followed or counted twice)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(folder: Path, n: int = 6) -> list[tuple[str, int]]:
    """The `n` largest entries of `_internal/` (or of the folder itself), biggest first."""
    inner = Path(folder) / "_internal"
    base = inner if inner.is_dir() else Path(folder)
    parts = [(p.name, folder_size(p) if p.is_dir() else p.stat().st_size) for p in base.iterdir()
             if not p.is_symlink()]
    return sorted(parts, key=lambda x: -x[1])[:n]


def check(folder: Path, limit_mb: int = LIMIT_MB, out=print) -> int:
    """Print the size and the largest parts; the size in bytes, or SystemExit when over the limit."""
    size = folder_size(folder)
    out(f"== bundle: {folder}, {size / MB:.1f} MB (limit {limit_mb} MB); largest parts:")
    for name, part in largest_parts(folder):
        out(f"   {part / MB:7.1f} MB  {name}")
    if size >= limit_mb * MB:
        raise SystemExit(f"the bundle is {size / MB:.1f} MB, over the {limit_mb} MB limit")
    return size


if __name__ == "__main__":
    check(Path(sys.argv[1] if len(sys.argv) > 1 else "dist/panti-desktop"))
