"""Audit Fashion-MNIST: the study's checks, and what matters beyond them.

The study's checks, in seconds instead of minutes: :class:`DataAuditor` runs
null cells, pixels that are not grey levels 0..255, duplicated rows,
constant columns, redundant (highly correlated) column pairs, cardinality
and class balance on the study's 60000 x 785 DataFrame or on image arrays,
and :meth:`DataAuditor.report` returns an :class:`AuditReport` to print,
tabulate or save as JSON.

A user's own folder of images (one sub-folder per class, any size and
colour): :class:`FolderAuditor` and :func:`audit_folder`
(:mod:`~fashionnet.audit.folder`) check image quality, duplicates, leakage
into a test folder, label errors and weak classes, and write a report.

Beyond the study, what those checks cannot see on this data:

- :meth:`DataAuditor.near_duplicates` -- pairs of near-identical images
  within a split or across two (a test image whose twin is in the training
  set), by an exact, memory-bounded search;
- :func:`label_issues` -- images whose label is probably wrong, from
  out-of-fold predicted probabilities (:func:`out_of_fold_probabilities`)
  and cleanlab's confident learning (``pip install 'fashionnet[audit]'``);
- :func:`class_outliers` and :func:`odd_images` -- the images least like
  their class, and the nearly blank or nearly saturated ones.

One module per kind of check: :mod:`~fashionnet.audit.columns` (column
statistics), :mod:`~fashionnet.audit.duplicates` (exact duplicates),
:mod:`~fashionnet.audit.near_duplicates`, :mod:`~fashionnet.audit.labels`,
:mod:`~fashionnet.audit.outliers`, the report in
:mod:`~fashionnet.audit.report` and the estimator in
:mod:`~fashionnet.audit.auditor`.
"""

from .auditor import DataAuditor
from .columns import correlation_matrix
from .duplicates import Deduplicated
from .folder import FolderAuditor, audit_folder
from .labels import label_issues, out_of_fold_probabilities
from .near_duplicates import NEAR_DUPLICATE_THRESHOLD
from .outliers import class_outliers, odd_images
from .report import AuditReport

__all__ = [
    "DataAuditor",
    "FolderAuditor",
    "audit_folder",
    "AuditReport",
    "Deduplicated",
    "correlation_matrix",
    "NEAR_DUPLICATE_THRESHOLD",
    "label_issues",
    "out_of_fold_probabilities",
    "class_outliers",
    "odd_images",
]
