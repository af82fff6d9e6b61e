"""The pipeline: the only code that knows the order of the stages. It wires them and reads
no statement text itself: the intake takes in the dump, the planner decides and translates,
the writer writes (``intake``, ``planner``, ``emit``)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import BinaryIO

from dumpconv.base.errors import DumpconvError, Refusals
from dumpconv.base.report import Report
from dumpconv.pipeline.emit import Emitter, write_script
from dumpconv.pipeline.intake import Intake, note_cut_nul
from dumpconv.pipeline.options import Options, check_framework, check_restrict_key
from dumpconv.pipeline.planner import Planner
from dumpconv.pipeline.progress import Progress, Ticker
from dumpconv.pipeline.rowjobs import default_jobs
from dumpconv.pipeline.state import Conversion, TableState
from dumpconv.read.inputs import is_pg_archive, open_dump
from dumpconv.read.pgschema import TargetSchema, read_target_schema
from dumpconv.read.splitter import iter_units
from dumpconv.write.spool import Spool
from dumpconv.write.writer import Writer

__all__ = [
    "Options",
    "Progress",
    "check_framework",
    "check_restrict_key",
    "convert",
    "default_jobs",
    "read_target",
]


def read_target(path: str) -> TargetSchema:
    """The schema ``pg_dump --schema-only`` wrote to ``path``, for ``Options.target``.

    Raises:
        DumpconvError: the file cannot be read, or is not such a schema.
    """
    with open(path, "rb") as f:
        data = f.read()
    if is_pg_archive(data):
        raise DumpconvError(
            f"{path}: this is pg_dump's custom (or tar) format; dumpconv reads the plain SQL one",
            None,
            "write it with pg_dump --schema-only -f schema.sql, or turn this one into SQL with "
            f"pg_restore --schema-only -f schema.sql {path}",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DumpconvError(
            f"{path} (line {line}): the target schema is not UTF-8",
            None,
            "write it with pg_dump --schema-only --encoding=UTF8",
        ) from None
    return read_target_schema(text, path)


def convert(
    stream: BinaryIO,
    out: BinaryIO,
    options: Options | None = None,
    *,
    progress: Callable[[Progress], None] | None = None,
) -> Report:
    """Convert a dump read from ``stream`` and write the PostgreSQL script to ``out``.

    ``stream`` may be compressed (gzip, bzip2, xz, or zstd with the zstandard package): it is
    found by its first bytes and decompressed as it is read (``read.inputs``); the report's
    ``input_bytes`` counts the dump text. ``progress``, when given, is called at most ten
    times a second while the dump is read, and once at the end after a success
    (``Progress.done``).

    A whole dump's script is written as the dump is read: each table once its rows are
    complete (the next definition, or the end, says so), the rest at the end. If the
    conversion fails after part of it is written, the script is ended with a statement that
    raises an error and no COMMIT (``Writer.failed``): loading it changes nothing. A load
    into an existing schema (--target-schema) and a data-only dump are planned once the
    whole input is read: nothing is written when they fail.

    Raises:
        DumpconvError: the input cannot be converted; the message names the line.
    """
    options = options or Options()
    key = None
    if options.restrict:
        key = check_restrict_key(options.restrict_key or secrets.token_hex(16))
    check_framework(options.framework)
    options.check_shape()
    options.check_schema()
    reader = open_dump(stream, options.source)
    writer = Writer(out, options.namespace)
    with Spool(options.temp_dir) as spool:
        conv = Conversion(options, spool)
        planner = Planner(conv)
        emitter = Emitter(conv, writer, key, planner.sketch)

        def complete(state: TableState) -> None:
            if conv.data_only or options.target is not None:
                return  # planned once the whole input is read
            if not writer.began:
                emitter.start()
            emitter.table(planner.table(state), planner.plan.extensions)

        intake = Intake(conv, complete, options.jobs, emitter.grew)
        ticker = Ticker(progress, reader, conv) if progress is not None else None
        try:
            try:
                for unit in iter_units(reader):  # type: ignore[arg-type]
                    intake.feed(unit)
                    if ticker is not None:
                        ticker.tick()
            except DumpconvError:
                intake.rows.drain()  # a run read before the error may hold an earlier one
                raise
            intake.rows.drain()
            conv.report.input_bytes = reader.text_bytes
            intake.check_complete()
            if not reader.keeps_nul:
                note_cut_nul(conv)
            intake.complete_tables()
            if conv.data_only or options.target is not None:
                write_script(conv, writer, planner.plan_buffered(), key)
            else:
                if not writer.began:
                    emitter.start()
                emitter.finish(planner.finish())
            if ticker is not None:
                ticker.end()
        except Refusals as e:
            e.report = conv.report
            emitter.abandon()
            raise
        except BaseException:
            emitter.abandon()
            raise
        finally:
            intake.rows.close()
    return conv.report
