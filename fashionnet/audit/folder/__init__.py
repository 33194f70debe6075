"""Audit a user's own folder of images: quality, duplicates, leakage, labels and classes.

:class:`FolderAuditor` (and the shortcut :func:`audit_folder`) read a
folder with one sub-folder per class, reduce every image in chunks to a few
statistics and a grey thumbnail, and score each file on each check from 0
(worst) to 1, relative to the dataset where an absolute threshold would
misfire. One module per stage: :mod:`.scan` (reading), :mod:`.quality`,
:mod:`.pairs` (duplicates and leakage), :mod:`.classes` (label issues,
imbalance, outliers, underperforming groups), :mod:`.auditor` and
:mod:`.report` (issues.csv, report.html, report.md).
"""

from .auditor import ISSUE_COLUMNS, ISSUE_TYPES, FolderAuditor, audit_folder

__all__ = ["FolderAuditor", "audit_folder", "ISSUE_TYPES", "ISSUE_COLUMNS"]
