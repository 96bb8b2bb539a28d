"""The terminal table of ``cnngrade inspect``: one row per layer, then the totals.

Shapes are shown as the course notes write them, spatial sizes then channels (``92x92x48``
for height x width x channels; ``LxC`` in 1-D, ``DxHxWxC`` in 3-D); the JSON output
(``Analysis.to_dict``) keeps PyTorch's channels-first order.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from grader.reference.analysis import Analysis

__all__ = ["analysis_table", "render_analysis", "format_shape", "RECEPTIVE_FIELD_NOTE"]

#: The receptive-field convention, as the table's caption states it (analysis.CONVENTIONS).
RECEPTIVE_FIELD_NOTE = (
    "Receptive field: input pixels per axis, padding included, never clipped to the image "
    "(it may exceed the input); flatten and dense rows: the union over the map they flatten."
)

# (C, spatial...) layouts, spatial axes first as the notes write them.
_LAYOUTS = {2: "LxC", 3: "HxWxC", 4: "DxHxWxC"}


def format_shape(shape: tuple[int, ...]) -> str:
    """(C, H, W) -> ``HxWxC`` (and (C, L) -> ``LxC``, (C, D, H, W) -> ``DxHxWxC``); a flat
    (D,) stays ``D``."""
    if len(shape) in _LAYOUTS:
        return "x".join(str(v) for v in (*shape[1:], shape[0]))
    return "x".join(str(v) for v in shape)


def _per_axis(value) -> str:
    """A jump: one number when every axis agrees (``4``), else ``2x4``."""
    if value is None:
        return "-"
    return f"{value[0]}" if len(set(value)) == 1 else "x".join(str(v) for v in value)


def _field(value) -> str:
    return "-" if value is None else "x".join(str(v) for v in value)


def _human(n: int) -> str:
    for unit, size in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return str(n)


def analysis_table(analysis: Analysis) -> Table:
    """The rich Table: layer, type, output shape, params, MACs, receptive field, jump."""
    layout = _LAYOUTS.get(len(analysis.input_shape), "D")
    table = Table(
        title=f"{analysis.source}: input {format_shape(analysis.input_shape)} "
              f"({layout}), {analysis.device} pass",
        caption=RECEPTIVE_FIELD_NOTE,
        show_footer=True,
        header_style="bold",
    )
    table.add_column("#", justify="right", footer="")
    table.add_column("layer", footer="total", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column(f"output {layout}", justify="right", no_wrap=True,
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
                      _per_axis(layer.jump))
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
