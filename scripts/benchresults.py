"""benchresults.py — reading a results.json written by scripts/bench-run.sh, for
scripts/report (through reportrun.py) and scripts/compare: one reader, one table of time
units, one answer to "which field is this row's measure", standard library only.
"""

import json
import re

# Google Benchmark time units, as nanoseconds; callgrind runs count "instructions" instead.
NANOSECONDS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# Google Benchmark writes a value it cannot compute as a bare NaN or inf, which JSON does not
# have (scripts/bench-json.js reads them the same way: null).
_BARE_NON_NUMBERS = re.compile(r"(:\s*)-?(NaN|nan|Infinity|inf)\b")


class ResultsError(Exception):
    """The file cannot be read as a results file; the message names it and says why."""


def read_results(path):
    """The file's (context, rows): its context object ({} if absent) and its "benchmarks"
    list, unchecked row by row (each caller knows what it needs of a row)."""
    try:
        with open(path, encoding="utf-8") as source:
            text = source.read()
    except OSError as error:
        raise ResultsError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ResultsError(f"cannot read {path}: not a text (UTF-8) file") from None
    try:
        document = json.loads(_BARE_NON_NUMBERS.sub(r"\1null", text))
    except json.JSONDecodeError as error:
        raise ResultsError(f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: "
                           f"{error.msg}); a run that was interrupted leaves its parts in raw/: "
                           "re-run the benchmarks") from None
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        raise ResultsError(f'{path} has no "benchmarks" list: not Google Benchmark JSON '
                           "from scripts/bench-run.sh")
    context = document.get("context")
    return (context if isinstance(context, dict) else {}), document["benchmarks"]


def uses_real_time(row):
    """Whether a row's measure is real_time rather than cpu_time: the runner's `timing` says
    (real and manual timings; callgrind writes the count to both), and Node rows always, as
    scripts/bench-json.js summary does: Node's cpu_time counts its GC threads."""
    return row.get("timing") in ("real", "manual") or str(row.get("name", "")).startswith("node/")


def measure_field(row):
    """The name of the field holding a row's measure: "real_time" or "cpu_time"."""
    return "real_time" if uses_real_time(row) else "cpu_time"
