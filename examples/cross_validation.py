"""Five-fold cross-validation of LeNet-5, with each fold model's test accuracy.

Run::

    python examples/cross_validation.py --images 10000 --epochs 5

Each fold trains a fresh clone (the study kept training one model across
folds); the table gives every fold's validation and test accuracy and their
min, max, mean and std. ``--plot curves.png`` saves the fold training curves
(needs ``pip install fashionnet[plot]``).
"""

from __future__ import annotations

import argparse

from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
from fashionnet.evaluation import cross_validate_folds, evaluate
from fashionnet.models import LeNet5Classifier

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--images", type=int, default=10000, help="training images used")
parser.add_argument("--folds", type=int, default=5)
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--learning-rate", type=float, default=1e-3)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--plot", default=None, help="save the fold histories to this image")
args = parser.parse_args()

X, y = load_fashion_mnist("train")
X, y = X[: args.images], y[: args.images]
X_test, y_test = load_fashion_mnist("test")

model = LeNet5Classifier(
    learning_rate=args.learning_rate, batch_size=args.batch_size, epochs=args.epochs,
    validation_split=0.2, early_stopping=2, random_state=args.seed,
)
result = cross_validate_folds(
    model, X, y, cv=args.folds, X_test=X_test, y_test=y_test, random_state=args.seed,
    return_estimators=True,
)
print(result.to_markdown())
print()
print(result)

# The full report of the best fold model on the test set.
best = result.folds["val_accuracy"].idxmax()
print()
print(f"Fold {best + 1} model on the test set:")
print(evaluate(result.estimators[best], X_test, y_test, class_names=CLASS_NAMES).to_markdown())

if args.plot:
    result.plot_histories(title="LeNet-5, one row per fold").savefig(args.plot, dpi=100)
    print(f"fold histories saved to {args.plot}")
