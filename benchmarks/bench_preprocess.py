"""Build the 48x48x3 inputs of VGG16 / ResNet152V2 from all 60000 training images.

Side by side, each in a fresh child process:

- the study's way: the pandas int64 frame's values, ``np.dstack`` to three
  channels, ``reshape(-1, 28, 28, 3)``, PIL resize image by image (what
  ``keras.utils.array_to_img(...).resize((48, 48))`` and ``img_to_array`` do,
  PIL's default filter), ``np.asarray`` of the list, then ``/ 255``;
- fashionnet: ``ImageResizer((48, 48)) -> ChannelStacker(3, copy=False) ->
  PixelScaler()`` on the uint8 images of ``load_fashion_mnist``, writing the
  float32 output once, chunk by chunk; the same with the default
  ``ChannelStacker(3)`` (which materialises the uint8 48x48x3 stack, shown
  for information); and stopping at uint8 48x48x3 (no scaler), either
  resizing then stacking, or stacking as a view then resizing (the resizer
  resizes a repeated channel once and writes the only copy).

Peak RSS (``ru_maxrss``) covers the whole child: interpreter, imports, the
data and the work; the 60000 x 48 x 48 x 3 float32 output alone is 1.66 GB.
Times are medians of the transformation alone (loading excluded).

Run::

    python benchmarks/bench_preprocess.py          # about 1 minute
    python benchmarks/bench_preprocess.py --quick  # fashionnet only

Bounds from the issue: float32 output <= 2.2 GB peak, uint8 output <= 0.8 GB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from _harness import machine_line, run_child, time_runs

FLOAT_BOUND_BYTES = 2.2e9
UINT8_BOUND_BYTES = 0.8e9


def _study_way():
    import numpy as np
    from PIL import Image

    from fashionnet.datasets import load_fashion_mnist

    train_df = load_fashion_mnist("train", as_frame=True, download=False).astype("int64")
    train_data = train_df.to_numpy()
    del train_df

    def run():
        train_X = np.dstack([train_data[:, 1:]] * 3)
        train_X = train_X.reshape(-1, 28, 28, 3)
        train_X = np.asarray(
            [
                np.asarray(
                    Image.fromarray(im.astype("uint8"), "RGB").resize((48, 48)), dtype="float32"
                )
                for im in train_X
            ]
        )
        train_X = train_X / 255
        return train_X

    return run


def _fashionnet(*steps: str):
    """A pipeline of the named steps, run on the uint8 training images."""

    def setup():
        from sklearn.pipeline import make_pipeline

        from fashionnet.datasets import load_fashion_mnist
        from fashionnet.preprocessing import ChannelStacker, ImageResizer, PixelScaler

        make = {
            "resize": lambda: ImageResizer((48, 48)),
            "stack": lambda: ChannelStacker(3),
            "stack-view": lambda: ChannelStacker(3, copy=False),
            "scale": lambda: PixelScaler(),
        }
        X, _ = load_fashion_mnist("train", download=False)
        pipeline = make_pipeline(*(make[step]() for step in steps))
        return lambda: pipeline.fit_transform(X)

    return setup


METHODS = {
    "study's way (int64, dstack, PIL per image, /255)": _study_way,
    "fashionnet float32: resize, stack(copy=False), scale": _fashionnet(
        "resize", "stack-view", "scale"
    ),
    "fashionnet float32: resize, stack, scale": _fashionnet("resize", "stack", "scale"),
    "fashionnet uint8: resize, stack": _fashionnet("resize", "stack"),
    "fashionnet uint8: stack(copy=False), resize": _fashionnet("stack-view", "resize"),
}
# Shown for information: the default ChannelStacker(copy=True) materialises the uint8
# stack (0.41 GB) while PixelScaler writes the float32 output.
INFO_ONLY = {"fashionnet float32: resize, stack, scale"}
STUDY = next(iter(METHODS))


def _describe(out) -> dict:
    return {
        "shape": out.shape,
        "dtype": str(out.dtype),
        "range": [float(out.min()), float(out.max())],
    }


def child(name: str, repeats: int) -> None:
    print(json.dumps(time_runs(METHODS[name](), repeats, describe=_describe)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each fashionnet variant")
    parser.add_argument("--quick", action="store_true", help="skip the study's way")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeats)
        return

    print(machine_line())
    results = {}
    for name in METHODS:
        if args.quick and name == STUDY:
            continue
        repeats = 1 if name == STUDY else args.repeats
        print(f"running {name} x{repeats} ...", flush=True)
        results[name] = run_child(__file__, name, repeats)

    print()
    header = (
        f"{'method':52s} {'median s':>9s} {'CPU s':>7s} {'peak RSS GB':>12s} {'loaded GB':>10s}"
        "  output"
    )
    print(header)
    print("-" * (len(header) + 20))
    for name, r in results.items():
        print(
            f"{name:52s} {statistics.median(r['times']):9.2f} {statistics.median(r['cpu']):7.2f} "
            f"{r['peak_rss'] / 1e9:12.2f} "
            f"{r['rss_loaded'] / 1e9:10.2f}  {tuple(r['shape'])} {r['dtype']} "
            f"[{r['range'][0]:g}, {r['range'][1]:g}]"
        )
    print()
    ok = True
    for name, r in results.items():
        if name == STUDY:
            continue
        bound = UINT8_BOUND_BYTES if r["dtype"] == "uint8" else FLOAT_BOUND_BYTES
        median = statistics.median(r["times"])
        line = f"{name}: peak {r['peak_rss'] / 1e9:.2f} GB (bound {bound / 1e9:.1f} GB)"
        if STUDY in results:
            base = results[STUDY]
            line += (
                f"; {base['peak_rss'] / r['peak_rss']:.1f}x less peak memory and "
                f"{statistics.median(base['times']) / median:.1f}x faster than the study's way"
            )
        within = r["peak_rss"] <= bound
        print(line + ("" if within else "  <-- over the bound"))
        if name not in INFO_ONLY:
            ok &= within
    print("within bounds" if ok else "OUT OF BOUNDS")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
