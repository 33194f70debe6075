"""Grid search over LeNet-5's learning rate and batch size, the scikit-learn way.

Run::

    python examples/lenet5_grid_search.py --images 10000 --epochs 3

``GridSearchCV`` stratifies its folds because ``LeNet5Classifier`` is a
classifier to scikit-learn; the pipeline's padding and scaling steps are
optional (the model's first layers do the same when they are left out). The
best model is refitted on all the training images, scored on the full test
set and saved as one ``.keras`` file that ``load_model`` reads back.
"""

from __future__ import annotations

import argparse

import pandas as pd
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from fashionnet.datasets import load_fashion_mnist
from fashionnet.models import LeNet5Classifier, load_model
from fashionnet.preprocessing import ImagePadder, PixelScaler

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--images", type=int, default=10000, help="training images used")
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--folds", type=int, default=3)
parser.add_argument("--save", default="lenet5_best.keras", help="where to save the best model")
args = parser.parse_args()

X, y = load_fashion_mnist("train")
X, y = X[: args.images], y[: args.images]
X_test, y_test = load_fashion_mnist("test")

pipe = make_pipeline(
    ImagePadder(padding=2),  # 28x28 -> 32x32, as the study did
    PixelScaler(),  # uint8 -> float32 in 0..1
    LeNet5Classifier(epochs=args.epochs, random_state=0),
)
grid = {
    "lenet5classifier__learning_rate": [1e-3, 3e-3],
    "lenet5classifier__batch_size": [16, 64],
}
search = GridSearchCV(pipe, grid, cv=args.folds, n_jobs=1, verbose=1).fit(X, y)

table = pd.DataFrame(search.cv_results_)[
    [
        "param_lenet5classifier__learning_rate",
        "param_lenet5classifier__batch_size",
        "mean_test_score",
        "std_test_score",
        "mean_fit_time",
    ]
].sort_values("mean_test_score", ascending=False)
print(table.to_string(index=False))
print(f"\nbest: {search.best_params_}, CV accuracy {search.best_score_:.4f}")
print(f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.4f}")

# The classifier alone takes raw uint8 images too: save it with its graph.
best = LeNet5Classifier(
    epochs=args.epochs,
    random_state=0,
    learning_rate=search.best_params_["lenet5classifier__learning_rate"],
    batch_size=search.best_params_["lenet5classifier__batch_size"],
).fit(X, y)
path = best.save(args.save)
print(f"saved {path}; reloaded test accuracy {load_model(path).score(X_test, y_test):.4f}")
