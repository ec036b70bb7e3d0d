"""reportcharts.py — draws the charts of `make report` (scripts/report) with gnuplot.

A chart is a plain description (a Chart below): lines over numeric x (sizes, drawn on a
log2 axis), grouped bars over categories with the value printed on each bar, or box plots of
repetitions.  draw() writes the data file and the gnuplot script next to the images (so a
reader can re-run or restyle one chart: `gnuplot charts/NAME.gp`) and renders it twice,
PNG (pngcairo; embedded in report.html) and SVG (for documents that scale).  Series names
go into the data file's comments and the legend, so an unknown backend is visible in both.
"""

import os
import subprocess
from dataclasses import dataclass, field


class ChartError(Exception):
    """gnuplot is missing or failed on a chart."""


@dataclass
class Line:
    label: str
    points: list            # [(x, y)], x > 0
    dashed: bool = False    # a limit or a reference (baselines), not a competitor


@dataclass
class Bars:
    label: str
    values: list            # one value per category, None where not measured


@dataclass
class Chart:
    name: str               # file stem under charts/
    title: str
    kind: str               # "lines", "bars" or "boxes"
    xlabel: str = ""
    ylabel: str = ""
    logx: bool = False
    logy: bool = False
    lines: list = field(default_factory=list)        # kind "lines"
    categories: list = field(default_factory=list)   # kind "bars" / "boxes": x labels
    bars: list = field(default_factory=list)         # kind "bars"
    boxes: list = field(default_factory=list)        # kind "boxes": one list of samples per category
    reference_y: float = None                        # a horizontal rule (e.g. 1.0 = as fast as malloc)
    value_format: str = "%.2g"                        # labels printed on bars


def size_label(value):
    """1024 -> '1 KiB': sizes and chunk sizes read as people write them."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value >= scale and value % scale == 0:
            return f"{value // scale} {unit}"
    return f"{value:g} B" if isinstance(value, float) else f"{value} B"


# Distinct colours, one per series in order (gnuplot's default cycle has 8 and repeats them,
# and a family with every backend plus three preloaded allocators and Node needs 8+).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#ad494a"]


def _colour(index):
    return f"linecolor rgb '{PALETTE[index % len(PALETTE)]}'"


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---- Data and script ---------------------------------------------------------------------

def _lines_script(chart, data_file):
    blocks, plots = [], []
    xs = sorted({x for line in chart.lines for x, _ in line.points})
    for index, line in enumerate(chart.lines):
        rows = "\n".join(f"{x:.17g} {y:.17g}" for x, y in sorted(line.points))
        blocks.append(f"# {line.label}\n{rows}\n")
        style = "linespoints dashtype 2 linewidth 2 pointtype 0" if line.dashed else "linespoints linewidth 2 pointsize 0.8"
        plots.append(f"{_quote(data_file)} index {index} using 1:2 with {style} {_colour(index)} "
                     f"title {_quote(line.label)}")
    setup = []
    if chart.logx:
        setup.append("set logscale x 2")
    if chart.logy:
        setup.append("set logscale y 10")
    if xs:
        tics = ", ".join(f"{_quote(size_label(int(x)) if float(x).is_integer() else x)} {x:.17g}" for x in xs)
        setup.append(f"set xtics ({tics}) rotate by -30")
    return "\n\n".join(blocks), setup, plots


def _bars_script(chart, data_file):
    count = max(1, len(chart.bars))
    width = 0.8 / count
    blocks, plots = [], []
    for index, series in enumerate(chart.bars):
        offset = (index - (count - 1) / 2) * width
        rows = [f"{category_index + offset:.6f} {value:.17g}"
                for category_index, value in enumerate(series.values) if value is not None]
        blocks.append(f"# {series.label}\n" + ("\n".join(rows) if rows else "0 NaN") + "\n")
        plots.append(f"{_quote(data_file)} index {index} using 1:2:({width:.6f}) with boxes fill solid 0.7 "
                     f"{_colour(index)} title {_quote(series.label)}")
        plots.append(f"{_quote(data_file)} index {index} using 1:2:(sprintf({_quote(chart.value_format)}, $2)) "
                     "with labels offset 0,0.6 font ',7' notitle")
    tics = ", ".join(f"{_quote(label)} {i}" for i, label in enumerate(chart.categories))
    setup = [f"set xtics ({tics}) rotate by -30", f"set xrange [-0.6:{len(chart.categories) - 0.4}]",
             "set yrange [0:*]", "set offsets 0,0,graph 0.08,0"]
    if chart.logy:
        setup[-2:] = ["set logscale y 10", "set offsets 0,0,graph 0.08,0"]
    return "\n\n".join(blocks), setup, plots


def _boxes_script(chart, data_file):
    blocks, plots = [], []
    for index, samples in enumerate(chart.boxes):
        rows = "\n".join(f"{value:.17g}" for value in samples) or "NaN"
        blocks.append(f"# {chart.categories[index]}\n{rows}\n")
        plots.append(f"{_quote(data_file)} index {index} using ({index}):1 with boxplot {_colour(index)} notitle")
    tics = ", ".join(f"{_quote(label)} {i}" for i, label in enumerate(chart.categories))
    setup = [f"set xtics ({tics}) rotate by -30", f"set xrange [-0.7:{len(chart.categories) - 0.3}]",
             "set style boxplot outliers pointtype 7", "set style data boxplot", "set boxwidth 0.5"]
    if chart.logy:
        setup.append("set logscale y 10")
    return "\n\n".join(blocks), setup, plots


def _script(chart, data_file):
    builders = {"lines": _lines_script, "bars": _bars_script, "boxes": _boxes_script}
    data, setup, plots = builders[chart.kind](chart, data_file)
    head = [f"set title {_quote(chart.title)} noenhanced", f"set xlabel {_quote(chart.xlabel)} noenhanced",
            f"set ylabel {_quote(chart.ylabel)} noenhanced", "set key outside right top noenhanced",
            "set grid ytics", "set termoption noenhanced"]
    if chart.reference_y is not None:
        head.append(f"set arrow from graph 0, first {chart.reference_y} to graph 1, first {chart.reference_y} "
                    "nohead dashtype 3 linecolor rgb 'black'")
    return data, head + setup, plots


def draw(chart, folder):
    """Writes folder/NAME.{dat,gp,png,svg}; returns {"png": path, "svg": path}."""
    data_file = os.path.join(folder, chart.name + ".dat")
    data, setup, plots = _script(chart, os.path.basename(data_file))
    with open(data_file, "w") as out:
        out.write(f"# {chart.title}\n{data}")
    outputs = {"png": os.path.join(folder, chart.name + ".png"), "svg": os.path.join(folder, chart.name + ".svg")}
    # 1000 x 520 px: wide enough for the legend outside the plot and 11 size tics
    terminals = {"png": "pngcairo size 1000,520 font 'sans,10'", "svg": "svg size 1000,520 dynamic font 'sans,10'"}
    script = []
    for kind in ("png", "svg"):
        script += [f"set terminal {terminals[kind]}", f"set output {_quote(os.path.basename(outputs[kind]))}",
                   *setup, "plot " + ", \\\n     ".join(plots), "unset output"]
    script_file = os.path.join(folder, chart.name + ".gp")
    with open(script_file, "w") as out:
        out.write("# " + chart.title + "\n" + "\n".join(script) + "\n")
    try:
        done = subprocess.run(["gnuplot", os.path.basename(script_file)], cwd=folder,
                              capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise ChartError("gnuplot is not installed: make deps installs gnuplot-nox") from None
    except subprocess.TimeoutExpired:
        raise ChartError(f"gnuplot took over 60 s on {script_file}") from None
    if done.returncode != 0 or not all(os.path.getsize(p) > 0 for p in outputs.values() if os.path.exists(p)):
        raise ChartError(f"gnuplot failed on {script_file}: {done.stderr.strip()[-600:]}")
    for path in outputs.values():
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            raise ChartError(f"gnuplot wrote no {path} ({script_file})")
    return outputs
