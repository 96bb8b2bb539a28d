"""The terminal table of ``cnngrade inspect``: one row per layer, then the totals.

Shapes are shown as the course notes write them, height x width x channels (``92x92x48``);
the JSON output (``Analysis.to_dict``) keeps PyTorch's (C, H, W) order.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from grader.reference.analysis import Analysis

__all__ = ["analysis_table", "render_analysis", "format_shape"]


def format_shape(shape: tuple[int, ...]) -> str:
    """(C, H, W) -> ``HxWxC``; a flat (D,) stays ``D``."""
    if len(shape) == 3:
        c, h, w = shape
        return f"{h}x{w}x{c}"
    return "x".join(str(v) for v in shape)


def _pair(value) -> str:
    if value is None:
        return "-"
    h, w = value
    return f"{h}" if h == w else f"{h}x{w}"


def _field(value) -> str:
    return "-" if value is None else f"{value[0]}x{value[1]}"


def _human(n: int) -> str:
    for unit, size in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return str(n)


def analysis_table(analysis: Analysis) -> Table:
    """The rich Table: layer, type, output shape, params, MACs, receptive field, jump."""
    table = Table(
        title=f"{analysis.source}: input {format_shape(analysis.input_shape)} "
              f"({'HxWxC' if len(analysis.input_shape) == 3 else 'D'}), {analysis.device} pass",
        show_footer=True,
        header_style="bold",
    )
    table.add_column("#", justify="right", footer="")
    table.add_column("layer", footer="total", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("output HxWxC", justify="right", no_wrap=True,
                     footer=format_shape(analysis.output_shape))
    table.add_column("params", justify="right", footer=f"{analysis.total_params:,}")
    table.add_column("MACs", justify="right", footer=f"{analysis.total_macs:,}")
    table.add_column("receptive field", justify="right")
    table.add_column("jump", justify="right")
    for i, layer in enumerate(analysis.layers, start=1):
        params = f"{layer.params:,}"
        if layer.trainable_params != layer.params:
            params += f" ({layer.params - layer.trainable_params:,} fixed)"
        table.add_row(str(i), layer.name, layer.kind, format_shape(layer.output_shape), params,
                      f"{layer.macs:,}", _field(layer.receptive_field),
                      _pair(layer.jump))
    return table


def render_analysis(analysis: Analysis, *, console: Console | None = None) -> None:
    """Print the table and a one-line summary of the totals."""
    console = console or Console()
    console.print(analysis_table(analysis))
    non_trainable = analysis.non_trainable_params
    console.print(
        f"{analysis.total_params:,} parameters ({_human(analysis.total_params)}): "
        f"{analysis.trainable_params:,} trainable, {non_trainable:,} non-trainable.\n"
        f"{analysis.total_buffers:,} buffer values (batch-norm running statistics, not "
        f"parameters). {analysis.total_macs:,} MACs ({_human(analysis.total_macs)}) per input.",
        highlight=False,
    )
