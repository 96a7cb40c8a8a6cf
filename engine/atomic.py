"""Write files whole or not at all — every output of yinhuan goes through here.

A bureau files what the tool wrote, and an inspector's answers are saved into the evidence file
mid-session; a half-written file after a crash or a full disk would be worse than none. Every
output is rendered first; then each is written to a temporary file in the target folder and moved
into place with os.replace (atomic on one filesystem). A target that cannot be written is bad
input (an InputError naming it), not a traceback.

Never over an input: `write_all(outputs, inputs=...)` refuses (InputError, exit 2) an output that
is one of the command's input files — the same file by inode (hard links, ./x and x) or, if it
does not exist yet, by real path — before anything is written (`check --out f.yaml f.yaml` would
otherwise replace the evidence by its findings).

Temporary files never outlive the command when it can help it: they are removed on any exception,
on Ctrl-C and on SIGTERM (turned into an exit for the time of the write), and the renames run with
both signals held back so a kill cannot stop them half way. A temporary file left by a process
killed outright (SIGKILL, power loss) is named `.<target>.<pid>.<random>.tmp`: hidden, not ending
in .yaml/.json/.xlsx/.csv, so no reader takes it for an input (`is_temporary` says so for those who
list folders), and the next write to the same target removes it once its process is gone.
"""
from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

from .errors import InputError

_TEMP = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp$")
_OLD_TEMP = re.compile(r"^\.(?P<target>.+)\.[A-Za-z0-9_]{8}\.tmp$")   # before the pid was in the name
STALE_AFTER = 3600  # seconds: an old-style temporary file (no pid) older than this is swept


def write_all(outputs: dict[str | Path, bytes | str], inputs: Iterable[str | Path] = (),
              option: str | None = "--out") -> list[Path]:
    """Write every output (text as UTF-8), or leave the targets untouched if any write fails.

    inputs: the command's input files; an output that is one of them is refused before writing."""
    refuse_inputs(list(outputs), inputs, option)
    staged: list[tuple[str, Path]] = []
    target = None
    try:
        with _signals_exit():
            for target, data in outputs.items():
                target = Path(target)
                target.parent.mkdir(parents=True, exist_ok=True)
                sweep(target)
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
                staged.append((tmp, target))
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                    fh.flush()
                    os.fsync(fh.fileno())
                # mkstemp makes 0600: keep the mode of the file replaced, else an ordinary file's
                os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
            with _signals_held():
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


def write_bytes(target: str | Path, data: bytes | str, inputs: Iterable[str | Path] = (),
                option: str | None = "--out") -> Path:
    return write_all({target: data}, inputs, option)[0]


# ---- never over an input ----------------------------------------------------------------------

def _identity(path: str | Path):
    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except OSError:
        return ("path", os.path.realpath(path))


def refuse_inputs(targets: Iterable[str | Path], inputs: Iterable[str | Path], option: str | None = "--out") -> None:
    """InputError if any target is (by inode, or by real path) one of the inputs."""
    known = {}
    for p in inputs:
        known.setdefault(_identity(p), p)
        known.setdefault(("path", os.path.realpath(p)), p)
    for t in targets:
        hit = known.get(_identity(t)) or known.get(("path", os.path.realpath(t)))
        if hit is not None:
            raise InputError(f"输出文件就是输入文件 {hit}，拒绝覆盖输入：请另选输出文件名或目录", str(t), None, option)


# ---- temporary files ----------------------------------------------------------------------------

def is_temporary(path: str | Path) -> bool:
    """A temporary file of this writer (for anyone listing a folder of inputs)."""
    name = Path(path).name
    return bool(_TEMP.match(name) or _OLD_TEMP.match(name))


def sweep(target: str | Path) -> list[Path]:
    """Remove the target's temporary files left by processes that no longer run."""
    target = Path(target)
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name) or _OLD_TEMP.match(entry.name)
        if not m or m.group("target") != target.name or not entry.is_file(follow_symlinks=False):
            continue
        pid = int(m.group("pid")) if "pid" in m.groupdict() else None
        if pid is not None and _alive(pid):
            continue
        if pid is None:
            try:
                if time.time() - entry.stat().st_mtime < STALE_AFTER:
                    continue
            except OSError:
                continue
        _unlink(entry.path)
        removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or an absurd number: leave it
    return True


class _Terminated(SystemExit):
    """SIGTERM during a write: leave through the cleanup path, with the shell's exit status."""


def _term_to_exit():
    """Make SIGTERM raise (so cleanup code runs) until the returned function is called."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    def on_term(signum, frame):
        raise _Terminated(128 + signum)
    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except (ValueError, OSError):
        return lambda: None
    return lambda: signal.signal(signal.SIGTERM, previous)


@contextmanager
def _signals_exit():
    """While temporary files exist, SIGTERM raises (so `except BaseException` removes them)."""
    restore = _term_to_exit()
    try:
        yield
    finally:
        restore()


@contextmanager
def _signals_held():
    """The renames run with SIGINT/SIGTERM blocked; a signal that came meanwhile is delivered after."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


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
            sweep(self.target)
            fd, self.tmp = tempfile.mkstemp(prefix=f".{self.target.name}.{os.getpid()}.", suffix=".tmp",
                                            dir=self.target.parent)
        except OSError as exc:
            raise InputError(f"无法写入：{exc.strerror or exc}", str(self.target)) from None
        self._restore = _term_to_exit()  # a SIGTERM mid-stream leaves through discard(), like Ctrl-C
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
            with _signals_held():
                os.replace(self.tmp, self.target)
        except OSError as exc:
            self.discard()
            raise InputError(f"无法写入：{exc.strerror or exc}", str(self.target)) from None
        self._restore()
        return self.target

    def discard(self) -> None:
        try:
            self.fh.close()
        except OSError:
            pass
        _unlink(self.tmp)
        self._restore()
