"""Real servers for the tests, started by the project itself (no mocks).

PostgreSQL comes from Debian's packages (`postgresql`); a throw-away cluster is created in a folder of
our own, on a loopback port, and removed afterwards. `.ci/run` starts one before the tests and exports
YINHUAN_TEST_PG; without that variable the test fixture starts its own, or the test is skipped with a
loud reason (and under CI=true a missing server fails the run instead of skipping).

    python tests/services.py postgres start DIR PORT   # prints the URL
    python tests/services.py postgres stop DIR
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path


def pg_bindir() -> Path | None:
    """The newest Debian PostgreSQL server binaries, or None when the package is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` system user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def start_postgres(folder: Path, port: int) -> str:
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError("未找到 PostgreSQL 服务器（Debian 软件包 postgresql）")
    folder = Path(folder)
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        os.chmod(folder, 0o755)
        for parent in folder.resolve().parents:  # the postgres user must be able to reach the folder
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "yinhuan", "--auth=trust",
                                 "-E", "UTF8", "--locale=C.UTF-8"]), check=True, stdout=subprocess.DEVNULL)
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
                                 "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
                                 "start"]), check=True, stdout=subprocess.DEVNULL)
    subprocess.run(_as_postgres([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "yinhuan",
                                 "yinhuan"]), check=True)
    return f"postgresql+psycopg://yinhuan@127.0.0.1:{port}/yinhuan"


def stop_postgres(folder: Path) -> None:
    bindir = pg_bindir()
    data = Path(folder) / "data"
    if bindir and data.exists():
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       check=False, stdout=subprocess.DEVNULL)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:2] == ["postgres", "start"]:
        print(start_postgres(Path(args[2]), int(args[3]) if len(args) > 3 else free_port()))
    elif args[:2] == ["postgres", "stop"]:
        stop_postgres(Path(args[2]))
    else:
        sys.exit(__doc__)
