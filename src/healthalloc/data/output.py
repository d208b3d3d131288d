"""Where outputs go, so that nothing a user owns is ever deleted, moved or overwritten.

A folder output (a study's report, ``qca -o``, ``spatial -o``) is built in a new hidden
folder beside its target and moved into place when complete. It is marked with a
manifest (:data:`MANIFEST`: every file written and its SHA-256), and an existing folder is
replaced only when it is empty or is such an earlier output, unchanged since it was
written; the old one is kept until the new one is in place. A file output
(``dea -o scores.csv``, and the files written beside it) is written to a temporary file
beside it and renamed into place once complete; an existing file is replaced only when the
user says so (``--overwrite``, ``overwrite=True``), never a folder and never an input of the
same run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from healthalloc import __version__

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MANIFEST", "TABLE_SUFFIXES", "OutputError", "check_output_folder", "output_folder", "sheet_names",
           "check_file", "table_writer", "write_file", "write_files", "write_tables"]

MANIFEST = ".healthalloc-output.json"
"""File marking a folder as a healthalloc output: the files written and their SHA-256."""


class OutputError(ValueError):
    """An output path that would destroy or hide something the user owns."""


def check_output_folder(folder: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """The absolute output folder, or an :class:`OutputError` saying why it may not be used.

    Refused: an existing file; the current folder or one containing it; a folder that
    contains one of ``inputs`` (the study, its data); a non-empty folder that is not an
    earlier healthalloc output, or one whose files were changed or added to since.
    """
    shown = str(folder)
    target = Path(folder).resolve()
    if target.exists() and not target.is_dir():
        raise OutputError(f"{shown}: is a file, not a folder; give the name of a new folder")
    here = Path.cwd().resolve()
    if target == here or target in here.parents:
        raise OutputError(f"{shown}: is the current folder or contains it; give a new folder, "
                          f"e.g. {Path(shown) / 'results'}")
    for path in inputs:
        source = Path(path).resolve()
        if target in source.parents:
            raise OutputError(f"{shown}: contains the input {Path(path).name}; give a folder of its own")
    if target.is_dir() and any(target.iterdir()):
        problem = _foreign(target)
        if problem:
            raise OutputError(f"{shown}: {problem}; healthalloc replaces only its own earlier "
                              "output folders: give a new or empty folder")
    return target


@contextmanager
def output_folder(folder: str | os.PathLike[str],
                  inputs: Iterable[str | os.PathLike[str]] = ()) -> Iterator[Path]:
    """Yield a new temporary folder beside ``folder``; on success mark it and move it into place.

    Any error (or Ctrl-C) inside the block removes the temporary folder and leaves
    ``folder`` as it was.
    """
    inputs = list(inputs)
    target = check_output_folder(folder, inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        tmp.chmod(0o777 & ~_umask())  # mkdtemp's 0700 → what a new folder normally gets
        yield tmp
        _write_manifest(tmp)
        check_output_folder(folder, inputs)
        _replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_file(path: str | os.PathLike[str], write: Callable[[Path], object], *,
               inputs: Iterable[str | os.PathLike[str]] = (), suffixes: tuple[str, ...] = (),
               overwrite: bool = False) -> Path:
    """Write one output file atomically: ``write(tmp)`` fills a temporary file beside
    ``path`` (with the same suffix), which then takes its place (see :func:`write_files`)."""
    return write_files({path: (write, suffixes)}, inputs=inputs, overwrite=overwrite)[0]


def write_files(outputs: Mapping[str | os.PathLike[str], tuple[Callable[[Path], object], tuple[str, ...]]], *,
                inputs: Iterable[str | os.PathLike[str]] = (), overwrite: bool = False) -> list[Path]:
    """Write several output files together or not at all.

    ``outputs`` maps each path to ``(write, suffixes)``: ``write(tmp)`` fills a temporary
    file beside the path, ``suffixes`` (e.g. ``(".csv", ".xlsx")``, empty for any) are the
    accepted file types. Every path is checked before anything is written: it must not be
    a folder or one of ``inputs``, and an existing file is replaced only with
    ``overwrite``. The files are moved into place only once all are complete; an earlier
    file is kept aside until then and put back if any move fails. A failed write (a full
    disk, a read-only folder) raises :class:`OutputError` naming the target and leaves no
    temporary file.
    """
    paths = [Path(p) for p in outputs]
    for path, (_, suffixes) in zip(paths, outputs.values()):
        check_file(path, suffixes, inputs, overwrite=overwrite)
    made = [folder for path in paths for folder in reversed([path.parent, *path.parent.parents])
            if not folder.exists()]
    done: list[tuple[Path, Path]] = []
    try:
        for path, (write, _) in zip(paths, outputs.values()):
            done.append((path, _filled(path, write)))
        _move_into_place(done)
    except BaseException:
        for _, tmp in done:
            tmp.unlink(missing_ok=True)
        for folder in reversed(dict.fromkeys(made)):  # the folders made for the outputs, deepest first
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise
    return paths


def check_file(path: str | os.PathLike[str], suffixes: tuple[str, ...] = (),
               inputs: Iterable[str | os.PathLike[str]] = (), *, overwrite: bool = False) -> None:
    """Raise :class:`OutputError` unless ``path`` may be written as a file output: not a
    folder, of one of ``suffixes`` (any if empty), not one of ``inputs``, below a folder,
    and new unless ``overwrite``."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name"
                          + (f" ending in {' or '.join(suffixes)}" if suffixes else ""))
    if suffixes and path.suffix.lower() not in suffixes:
        raise OutputError(f"{path}: output file must end in {' or '.join(suffixes)}")
    if path.resolve() in {Path(p).resolve() for p in inputs}:
        raise OutputError(f"{path}: is an input of this run; give the output another name")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{path}: {parent} is a file, not a folder")
    if path.exists() and not overwrite:
        raise OutputError(f"{path}: already exists; give a new name, or pass --overwrite to replace it "
                          "(overwrite=True in Python)")


def _filled(path: Path, write: Callable[[Path], object]) -> Path:
    """A complete temporary file beside ``path`` with what ``write`` puts in it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".partial{path.suffix}", dir=path.parent)
    except OSError as error:
        raise OutputError(f"{path}: cannot write here: {error.strerror or error}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o666 & ~_umask())  # mkstemp's 0600 → what a new file normally gets
    except (OSError, OutputError) as error:
        tmp.unlink(missing_ok=True)
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise OutputError(f"{path}: cannot write: {reason}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _move_into_place(done: list[tuple[Path, Path]]) -> None:
    """Rename each temporary file over its path; on any failure put every earlier file back."""
    kept: list[tuple[Path, Path]] = []  # (path, its earlier file set aside)
    placed: list[Path] = []
    try:
        for path, tmp in done:
            if path.exists():
                aside = path.parent / f".{path.name}.old-{uuid.uuid4().hex}"
                os.rename(path, aside)
                kept.append((path, aside))
            os.rename(tmp, path)
            placed.append(path)
    except BaseException as error:
        for path in placed:
            path.unlink(missing_ok=True)
        for path, aside in kept:
            os.replace(aside, path)
        if isinstance(error, OSError):
            raise OutputError(f"{error.filename or done[0][0]}: cannot write: {error.strerror or error}") from None
        raise
    for _, aside in kept:
        aside.unlink()


TABLE_SUFFIXES = (".csv", ".xlsx", ".json")
"""File types :func:`write_tables` writes."""


def write_tables(path: str | os.PathLike[str], tables: dict[str, pd.DataFrame], *,
                 inputs: Iterable[str | os.PathLike[str]] = (), suffixes: tuple[str, ...] = TABLE_SUFFIXES,
                 overwrite: bool = False) -> Path:
    """Write named tables to one file atomically (through :func:`write_file`), without index.

    ``.xlsx``: one sheet per table (names made valid by :func:`sheet_names`); ``.csv``:
    exactly one table; ``.json``: ``{name: [record, ...]}``. ``suffixes`` narrows the
    accepted types; an existing file is replaced only with ``overwrite``.
    """
    return write_files({path: table_writer(path, tables, suffixes)}, inputs=inputs, overwrite=overwrite)[0]


def table_writer(path: str | os.PathLike[str], tables: dict[str, pd.DataFrame],
                 suffixes: tuple[str, ...] = TABLE_SUFFIXES) -> tuple[Callable[[Path], object], tuple[str, ...]]:
    """The ``(write, suffixes)`` of :func:`write_files` writing ``tables`` as :func:`write_tables` does."""
    if not tables:
        raise ValueError("no tables to write")
    suffix = Path(path).suffix.lower()
    if suffix == ".csv" and ".csv" in suffixes and len(tables) > 1:
        raise OutputError(f"{path}: a .csv file holds one table, not {len(tables)} "
                          f"({', '.join(tables)}); write .xlsx or .json")
    return (lambda tmp: _TABLE_WRITERS[tmp.suffix.lower()](tables, tmp)), suffixes


def sheet_names(names: Iterable[str]) -> list[str]:
    """Valid, unique Excel sheet names for ``names``, in order: ``[]:*?/\\`` become ``_``,
    at most 31 characters, a repeated name gets ``~2``, ``~3``, …"""
    taken: list[str] = []
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or "sheet"
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base[:28]}~{n}"
        taken.append(candidate)
    return taken


def _write_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> None:
    import pandas as pd
    from openpyxl.utils.exceptions import IllegalCharacterError

    try:
        with pd.ExcelWriter(path) as xlsx:
            for sheet, table in zip(sheet_names(tables), tables.values()):
                table.to_excel(xlsx, sheet_name=sheet, index=False)
    except IllegalCharacterError as error:  # control characters (\x00-\x1f but tab and newlines)
        raise OutputError(f"a cell holds a control character that .xlsx files cannot store ({error}); "
                          "write .csv instead") from None


def _write_json(tables: dict[str, pd.DataFrame], path: Path) -> None:
    records = {name: json.loads(table.to_json(orient="records", date_format="iso", force_ascii=False))
               for name, table in tables.items()}
    path.write_text(json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8")


_TABLE_WRITERS = {
    ".csv": lambda tables, path: next(iter(tables.values())).to_csv(path, index=False, encoding="utf-8"),
    ".xlsx": _write_xlsx,
    ".json": _write_json,
}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if not p.is_dir() and p.name != MANIFEST)


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _write_manifest(folder: Path) -> None:
    files = {name: _digest(folder / name) for name in _files(folder)}
    record = {"written_by": f"healthalloc {__version__}", "files": files}
    (folder / MANIFEST).write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")


def _foreign(folder: Path) -> str | None:
    """Why ``folder`` (non-empty) is not an unchanged earlier output, or None."""
    try:
        record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        written = dict(record["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return "is not empty and was not written by healthalloc"
    present = _files(folder)
    added = [name for name in present if name not in written]
    if added:
        return f"holds files healthalloc did not write ({', '.join(added[:3])})"
    changed = [name for name in present if _digest(folder / name) != written[name]]
    if changed:
        return f"holds files changed since healthalloc wrote them ({', '.join(changed[:3])})"
    return None


def _replace(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target``; an existing (checked) ``target`` is removed only after."""
    if not target.exists():
        os.rename(tmp, target)
        return
    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex}"
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old)
