"""Write files whole or not at all — every output of yinhuan goes through here.

A bureau files what the tool wrote, and an inspector's answers are saved into the evidence file
mid-session; a half-written file after a crash or a full disk would be worse than none. Every
output is rendered first; then each is written to a temporary file in the target folder and moved
into place with os.replace (atomic on one filesystem). A target that cannot be written is bad
input (an InputError naming it), not a traceback.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError


def write_all(outputs: dict[str | Path, bytes | str]) -> list[Path]:
    """Write every output (text as UTF-8), or leave the targets untouched if any write fails."""
    staged: list[tuple[str, Path]] = []
    target = None
    try:
        for target, data in outputs.items():
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((tmp, target))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                fh.flush()
                os.fsync(fh.fileno())
            # mkstemp makes 0600: keep the mode of the file replaced, else an ordinary file's
            os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
        for tmp, target in staged:
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in staged:
            _unlink(tmp)
        raise InputError(f"无法写入：{exc.strerror or exc}", str(target) if target else None) from None
    except BaseException:
        for tmp, _ in staged:
            _unlink(tmp)
        raise
    return [t for _, t in staged]


def write_bytes(target: str | Path, data: bytes | str) -> Path:
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


class AtomicFile:
    """A file written piece by piece (a streamed findings file) and still whole or not at all:
    the pieces go to a temporary file beside the target, moved into place by commit(); discard()
    (or an error) removes it and leaves the target untouched."""

    def __init__(self, target: str | Path):
        self.target = Path(target)
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
        except OSError as exc:
            raise InputError(f"无法写入：{exc.strerror or exc}", str(self.target)) from None
        self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20)

    def write(self, text: str) -> None:
        try:
            self.fh.write(text)
        except OSError as exc:
            self.discard()
            raise InputError(f"无法写入：{exc.strerror or exc}", str(self.target)) from None

    def commit(self) -> Path:
        try:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
            mode = self.target.stat().st_mode & 0o777 if self.target.exists() else 0o666 & ~_umask()
            os.chmod(self.tmp, mode)
            os.replace(self.tmp, self.target)
        except OSError as exc:
            self.discard()
            raise InputError(f"无法写入：{exc.strerror or exc}", str(self.target)) from None
        return self.target

    def discard(self) -> None:
        try:
            self.fh.close()
        except OSError:
            pass
        _unlink(self.tmp)
