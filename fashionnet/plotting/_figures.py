"""What every figure shares: matplotlib on demand, a fresh figure or a given axis,
image panels, readable label names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _figure_class() -> type[Figure]:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - exercised by monkeypatching
        raise ImportError(
            "fashionnet.plotting needs matplotlib; install it with `pip install fashionnet[plot]`."
        ) from exc
    return Figure


def _figure_and_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A fresh one-panel figure, or the figure that holds ``ax``."""
    Figure = _figure_class()
    if ax is not None:
        return _root_figure(ax), ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _root_figure(ax: Axes) -> Figure:
    """The top-level figure holding ``ax`` (through any subfigures)."""
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10: a (sub)figure's .figure is the root figure
        return ax.figure.figure


def _label_names(classes: np.ndarray, class_names: Sequence[str] | None) -> list[str]:
    """Readable names for label values: ``class_names[label]`` where that makes sense."""
    names = []
    for value in classes:
        if (
            class_names is not None
            and np.issubdtype(np.asarray(value).dtype, np.integer)
            and 0 <= int(value) < len(class_names)
        ):
            names.append(str(class_names[int(value)]))
        else:
            names.append(str(value))
    return names


def _check_grid(n: int, ncols: int) -> None:
    if int(n) < 1 or int(ncols) < 1:
        raise ValueError(f"n and ncols must be at least 1; got n={n}, ncols={ncols}.")


def _show_image(ax: Axes, image: np.ndarray) -> None:
    """One image on an axis without ticks: grey images dark on light, as the study drew them."""
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    vmax = 255 if image.dtype == np.uint8 else 1.0
    if image.ndim == 2:
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=vmax)
    else:
        ax.imshow(image if image.dtype == np.uint8 else np.clip(image, 0, 1))
    ax.set_xticks([])
    ax.set_yticks([])


def _image_panels(
    images: np.ndarray, titles: Sequence[str] | None, ncols: int, height: float = 1.35
) -> Figure:
    """A grid of images, ``ncols`` a row, each with its title."""
    count = len(images)
    ncols = max(1, min(int(ncols), count))
    nrows = max(1, math.ceil(count / ncols))
    Figure = _figure_class()
    fig = Figure(figsize=(1.2 * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        if i >= count:
            fig.delaxes(ax)
            continue
        _show_image(ax, images[i])
        if titles is not None:
            ax.set_title(titles[i], fontsize=7 if "\n" in titles[i] else 8)
    return fig


def _rows_of(table: Any, columns: Sequence[str], name: str) -> Any:
    """The first rows of an audit table, checked for the columns a figure reads."""
    missing = [c for c in columns if c not in getattr(table, "columns", ())]
    if missing:
        raise ValueError(
            f"{name} must be a DataFrame with columns {list(columns)} (as fashionnet.audit "
            f"returns it); missing {missing}."
        )
    return table


def _name(label: Any, class_names: Sequence[str] | None) -> str:
    return _label_names(np.asarray([label]), class_names)[0]
