"""Load the real Fashion-MNIST and print its shape and class counts.

Run: ``python examples/load_data.py``
"""

import numpy as np

from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist

for kind in ("train", "test"):
    X, y = load_fashion_mnist(kind)
    print(f"{kind}: X {X.shape} {X.dtype}, y {y.shape} {y.dtype}")
    for label, count in enumerate(np.bincount(y, minlength=10)):
        print(f"  {label} {CLASS_NAMES[label]:<12} {count}")

frame = load_fashion_mnist("train", as_frame=True)
print(f"as_frame: {frame.shape[0]} rows x {frame.shape[1]} columns "
      f"({frame.columns[0]}, {frame.columns[1]} ... {frame.columns[-1]}), "
      f"{frame.memory_usage().sum() / 1e6:.0f} MB")
