"""Write build outputs into a folder atomically: a failed or interrupted build leaves the old folder intact."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


class OutputError(OSError):
    """The output folder cannot be written."""


def replace_folder(stage: Path, final: Path) -> None:
    """Put a complete `stage` folder where `final` is, in two renames: readers see the old or the new, never half."""
    old = None
    if final.exists():
        old = final.parent / f".{final.name}.old-{os.getpid()}"
        os.rename(final, old)
    os.rename(stage, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged_output(out_dir: Path):
    """Yield a fresh staging folder beside `out_dir`; on success it replaces `out_dir` in two renames."""
    out_dir = Path(out_dir).resolve()
    parent = out_dir.parent
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder; choose another --out")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write output here ({exc.strerror or exc}); choose another --out") from None
    try:
        if out_dir.is_dir():
            # carry over what this build does not produce (the cache, pages made by other commands)
            for keep in ("cache",):
                if (out_dir / keep).exists():
                    shutil.copytree(out_dir / keep, stage / keep)
        yield stage
        replace_folder(stage, out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
