"""Compare models in one table, as the study's closing table does.

Run::

    python examples/compare_models.py --images 10000 --epochs 5

It fits LeNet-5 with the study's best hyperparameters, cross-validates it,
adds a linear baseline, quotes the study's transfer-learning figures, and
prints everything best first as Markdown.
"""

from __future__ import annotations

import argparse

from sklearn.linear_model import RidgeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from fashionnet.datasets import load_fashion_mnist
from fashionnet.evaluation import compare_models, cross_validate_folds
from fashionnet.models import LeNet5Classifier

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--images", type=int, default=10000, help="training images used")
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--folds", type=int, default=3)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

X, y = load_fashion_mnist("train")
X, y = X[: args.images], y[: args.images]
X_test, y_test = load_fashion_mnist("test")

lenet = LeNet5Classifier(epochs=args.epochs, batch_size=64, random_state=args.seed)
flatten = FunctionTransformer(lambda images: images.reshape(len(images), -1) / 255.0)
ridge = make_pipeline(flatten, RidgeClassifier(alpha=10.0))
lenet_cv = cross_validate_folds(
    lenet, X, y, cv=args.folds, X_test=X_test, y_test=y_test, random_state=args.seed
)

table = compare_models(
    {
        "LeNet-5": lenet,  # unfitted: fitted on X, y and timed
        f"LeNet-5, {args.folds}-fold CV (mean test accuracy)": lenet_cv,
        "Ridge on pixels": ridge,
        "VGG16, study (48x48x3, last 5 layers)": 0.9237,
        "ResNet152V2, study (48x48x3, last 64 layers)": 0.9166,
    },
    X_test, y_test, X_train=X, y_train=y,
)
print(table.to_markdown())
