"""Write files whole or not at all.

A bureau files what the tool wrote; a half-written workbook after a crash or a full disk would be
worse than none. Every output is rendered to bytes first; then each is written to a temporary
file in the target folder and moved into place with os.replace (atomic on one filesystem).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_all(outputs: dict[str | Path, bytes]) -> list[Path]:
    """Write every output, or leave the targets untouched if any temporary write fails."""
    staged: list[tuple[str, Path]] = []
    try:
        for target, data in outputs.items():
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
            staged.append((tmp, target))
    except BaseException:
        for tmp, _ in staged:
            _unlink(tmp)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return [t for _, t in staged]


def write_bytes(target: str | Path, data: bytes) -> Path:
    return write_all({target: data})[0]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
