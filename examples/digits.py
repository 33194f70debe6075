"""Other images than Fashion-MNIST: scikit-learn's 8 x 8 digits with ResNetClassifier.

The estimators take any small images: here the 1797 digits bundled with
scikit-learn (8 x 8 grey levels 0..16, brought to uint8 0..255), a
stratified quarter held out for testing and passed as ``validation_data``
so that ``history_`` shows the test loss epoch by epoch.

Run: ``python examples/digits.py`` (about a minute on two CPU cores).
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from fashionnet.models import ResNetClassifier

digits = load_digits()
X = np.rint(digits.images * (255 / 16)).astype(np.uint8)  # (1797, 8, 8)
X_train, X_test, y_train, y_test = train_test_split(
    X, digits.target, test_size=0.25, stratify=digits.target, random_state=0
)
clf = ResNetClassifier(epochs=10, random_state=0)
clf.fit(X_train, y_train, validation_data=(X_test, y_test))
print(clf.history_[["loss", "val_loss", "val_accuracy"]].round(3).to_string())
print(
    f"digits: {len(X_train)} training and {len(X_test)} test images of {X.shape[1:]}; "
    f"test accuracy {clf.score(X_test, y_test):.4f}"
)
