"""reportrun.py — reads one benchmark run for `make report` (scripts/report): the results
file, its rows grouped into Series (every repetition of one name), and the Run index that
knows which families are backend families, what a row's siblings, Node mirror and baselines
are.  It knows the naming contract of DESIGN.md and nothing else: no backend is named here.
"""

import os
from collections import defaultdict
from dataclasses import dataclass, field

import benchstats
from benchresults import NANOSECONDS_PER_UNIT, ResultsError, uses_real_time
from benchresults import read_results as read_results_file


class RunError(Exception):
    """The run cannot be reported on; the message says why and what to do."""


# ---- Loading a run -------------------------------------------------------------------------

@dataclass
class Series:
    """Every repetition of one benchmark name."""
    name: str
    family: str              # first component (for node/ rows: the mirrored C family)
    subject: str             # backend, encoding, view kind; "" for baselines
    params: list             # the components after the subject
    is_node: bool
    is_baseline: bool
    unit: str                # "ns" or "instructions"
    clock: str               # what was measured: "cpu" or "real" time, or "callgrind" counts
    times: list = field(default_factory=list)          # per iteration, one per repetition
    throughput: list = field(default_factory=list)     # bytes per second, when reported
    counters: dict = field(default_factory=lambda: defaultdict(list))

    @property
    def median(self):
        return benchstats.median(self.times)

    @property
    def size(self):
        """The first numeric parameter (size, chunk size), or None."""
        for param in self.params:
            if param.isdigit():
                return int(param)
        return None


def parse_name(name):
    """(family, subject, params, is_node, is_baseline) from a DESIGN.md benchmark name."""
    parts = name.split("/")
    is_node = parts[0] == "node" and len(parts) > 1
    if is_node:
        parts = parts[1:]
    family = parts[0]
    if family.startswith("baseline_"):
        return family, "", parts[1:], is_node, True
    return family, (parts[1] if len(parts) > 1 else ""), parts[2:], is_node, False


def read_results(path):
    """The run's (context, rows); RunError with a clear message when it cannot be read."""
    if not os.path.exists(path):
        raise RunError(f"no results file at {path}: run `make bench` (or bench-quick) first, "
                       "or pass RUN=reports/runs/<time> of a finished run")
    try:
        return read_results_file(path)
    except ResultsError as error:
        raise RunError(str(error)) from None


def load_series(rows, path):
    """name -> Series from the kept repetitions (aggregates and failed rows are skipped)."""
    series = {}
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            raise RunError(f"{path}: a benchmark row without a name: {str(row)[:120]}")
        if row.get("run_type") == "aggregate" or row.get("error_occurred"):
            continue
        name = row["name"]
        unit_name = row.get("time_unit", "ns")
        use_real = uses_real_time(row)
        value = row.get("real_time" if use_real else "cpu_time")
        if not isinstance(value, (int, float)) or value <= 0:
            continue
        if unit_name == "instructions":
            unit, value = "instructions", float(value)
        elif unit_name in NANOSECONDS_PER_UNIT:
            unit, value = "ns", float(value) * NANOSECONDS_PER_UNIT[unit_name]
        else:
            raise RunError(f"{path}: row {name} has an unknown time_unit {unit_name!r}")
        if name not in series:
            family, subject, params, is_node, is_baseline = parse_name(name)
            clock = "callgrind" if unit == "instructions" else ("real" if use_real else "cpu")
            series[name] = Series(name, family, subject, params, is_node, is_baseline, unit, clock)
        entry = series[name]
        entry.times.append(value)
        if isinstance(row.get("bytes_per_second"), (int, float)):
            entry.throughput.append(float(row["bytes_per_second"]))
        for key in ("overhead", "minflt_per_pair", "rss_growth"):
            if isinstance(row.get(key), (int, float)):
                entry.counters[key].append(float(row[key]))
    if not series:
        raise RunError(f"{path} has no measured benchmark rows (an empty run: did FILTER match nothing?)")
    return series


def find_run(argument):
    """(folder, results.json path) for the argument, or the newest finished run."""
    if argument:
        if os.path.isdir(argument):
            return argument, os.path.join(argument, "results.json")
        return os.path.dirname(argument) or ".", argument
    root = "reports/runs"
    finished = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "results.json"))) \
        if os.path.isdir(root) else []
    if not finished:
        raise RunError(f"no finished run under {root}/: run `make bench` or `make bench-quick` first")
    return os.path.join(root, finished[-1]), os.path.join(root, finished[-1], "results.json")


# ---- The run's structure ----------------------------------------------------------------------

class Run:
    """The series of a run, indexed the ways the report looks them up."""

    def __init__(self, context, series):
        self.context = context
        self.series = series
        self.units = sorted({s.unit for s in series.values()})
        listed = context.get("backends") if isinstance(context.get("backends"), list) else []
        known = {"malloc"} | {str(line).split()[0] for line in listed if str(line).split()}
        self.families = defaultdict(list)      # C family -> its non-node, non-baseline series
        for entry in series.values():
            if not entry.is_node and not entry.is_baseline:
                self.families[entry.family].append(entry)
        self.backend_families = sorted(
            family for family, members in self.families.items()
            if any(member.subject.split("@")[0] in known for member in members))

    def get(self, name):
        return self.series.get(name)

    def subjects(self, family):
        """A family's subjects, malloc first (the baseline every chart compares to), then by name."""
        names = {member.subject for member in self.families[family]}
        return sorted(names, key=lambda name: (name != "malloc", name.split("@")[0] != "malloc", name))

    def sibling(self, entry, subject):
        """The same benchmark with another subject."""
        return self.get("/".join([entry.family, subject, *entry.params]))

    def node_mirror(self, entry):
        """node/<family>/<subject>/<params> or, for a backend family (Node has no backends),
        node/<family>/<params>."""
        for name in ("/".join(["node", entry.family, entry.subject, *entry.params]),
                     "/".join(["node", entry.family, *entry.params])):
            if self.get(name):
                return self.get(name)
        return None

    def baselines_for(self, family):
        """The baseline_<what> families whose parameters line up with this family's sizes:
        the limits its chart draws (baseline_read / baseline_memcpy for streams, the free-list
        floor and raw malloc for allocations)."""
        sizes = {str(member.size) for member in self.families[family] if member.size is not None}
        if not sizes:
            return []
        wanted = {"stream_": ("baseline_read", "baseline_memcpy"),
                  "alloc_": ("baseline_freelist_fnptr", "baseline_malloc", "baseline_mmap")}
        for prefix, names in wanted.items():
            if family.startswith(prefix):
                return [name for name in names
                        if any(self.get(f"{name}/{size}") for size in sizes)]
        return []


def unit_label(run, per="iteration"):
    unit = run.units[0] if len(run.units) == 1 else "/".join(run.units)
    return ("instructions" if unit == "instructions" else "ns") + f" per {per}"


def format_time(value, unit):
    if unit == "instructions":
        return f"{value:,.0f} instr"
    for name, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {name}"
    return f"{value:.3g} ns"


def format_rate(bytes_per_second):
    return f"{bytes_per_second / (1 << 20):,.0f} MiB/s"
