"""The data stages: the splits, the audit, the exploration figures, the preprocessing.

Each is a function of what it needs (the data, the files, the profile) and
returns its record (:mod:`fashionnet.study.records`).
"""

from __future__ import annotations

import time

import numpy as np

from fashionnet.datasets import CLASS_NAMES
from fashionnet.registry import get_model

from ..profiles import StudyProfile
from ..records import AuditRecord, DataRecord, ExplorationRecord, PipelineInput, PreprocessingRecord
from ..workspace import StudyData, StudyFiles

__all__ = ["audit", "describe_data", "explore", "show_preprocessing"]


def describe_data(*, data: StudyData, profile: StudyProfile) -> DataRecord:
    """The data stage: the splits and how many images each part of the run uses."""
    X_train, y_train = data.split("train")
    _, y_test = data.split("test")
    return DataRecord(
        train_images=int(len(y_train)),
        test_images=int(len(y_test)),
        image_height=int(X_train.shape[1]),
        image_width=int(X_train.shape[2]),
        pixels_per_image=int(X_train.shape[1] * X_train.shape[2]),
        n_classes=int(len(np.unique(y_train))),
        class_names=list(CLASS_NAMES),
        dtype=str(X_train.dtype),
        lenet_train_images=len(data.subset("train", profile.train_size)[1]),
        lenet_cv_images=len(data.subset("train", profile.cv_size)[1]),
        lenet_test_images=len(data.subset("test", profile.test_size)[1]),
    )


def audit(*, data: StudyData, files: StudyFiles, audit_size: int | None) -> AuditRecord:
    """The audit stage: :class:`~fashionnet.audit.DataAuditor` on the training rows."""
    from fashionnet.audit import DataAuditor

    X, y = data.subset("train", audit_size)
    start = time.perf_counter()
    report = DataAuditor().fit(X, y).report()
    seconds = time.perf_counter() - start
    files.text("audit.md", report.to_markdown())
    # The audit report's own dict: the checks it ran (a check it did not run is absent).
    return AuditRecord.from_dict(
        {
            **report.to_dict(),
            "class_counts": report.to_dict().get("class_counts") or {},
            "audit_seconds": seconds,
            "summary_text": report.summary(),
        }
    )


def explore(*, data: StudyData, files: StudyFiles) -> ExplorationRecord:
    """The exploration stage: sample images, class balance, pixel statistics."""
    from fashionnet import plotting

    X, y = data.split("train")
    sample_X, _ = data.subset("train", 2000)
    figures = {
        "sample_grid": files.figure(
            plotting.plot_image_grid(X[:50], y[:50], CLASS_NAMES), "sample_grid"
        ),
        "class_balance": files.figure(plotting.plot_class_balance(y, CLASS_NAMES), "class_balance"),
        "pixel_distribution": files.figure(
            plotting.plot_pixel_distribution(sample_X), "pixel_distribution"
        ),
        "correlation_heatmap": files.figure(
            plotting.plot_correlation_heatmap(sample_X), "correlation_heatmap"
        ),
    }
    flat = X.reshape(len(X), -1)
    mean_per_class = {str(c): float(flat[y == c].mean()) for c in np.unique(y)}
    return ExplorationRecord(
        pixel_mean=float(flat.mean()),
        pixel_std=float(flat.std()),
        pixel_min=int(flat.min()),
        pixel_max=int(flat.max()),
        zero_pixel_fraction=float((flat == 0).mean()),
        mean_pixel_by_class=mean_per_class,
        figures=figures,
    )


def show_preprocessing(*, data: StudyData, profile: StudyProfile) -> PreprocessingRecord:
    """The preprocessing stage: each kind of model's input, as a sklearn pipeline."""
    from sklearn.pipeline import make_pipeline

    from fashionnet.preprocessing import ChannelStacker, ImagePadder, ImageResizer, PixelScaler

    X, _ = data.split("train")
    few = X[:8]
    size = profile.preprocessing_size
    pretrained = [p for p in profile.models if get_model(p.model).pretrained]
    pipelines = {"LeNet-5": (make_pipeline(ImagePadder(2), PixelScaler()), profile.train_size)}
    if pretrained:
        sizes = [p.train_size for p in pretrained]
        pipelines[" / ".join(get_model(p.model).display for p in pretrained)] = (
            make_pipeline(ImageResizer((size, size)), ChannelStacker(3), PixelScaler()),
            None if None in sizes else max(sizes),
        )
    rows = []
    for model, (pipeline, n_images) in pipelines.items():
        X_used, _ = data.subset("train", n_images)
        out = pipeline.fit_transform(few)
        per_image = out[0].size * out.dtype.itemsize
        rows.append(
            PipelineInput(
                model=model,
                input_shape=list(out.shape[1:]),
                dtype=str(out.dtype),
                value_min=float(out.min()),
                value_max=float(out.max()),
                steps=" -> ".join(type(s).__name__ for _, s in pipeline.steps),
                images=int(len(X_used)),
                float_copy_mb=per_image * len(X_used) / 2**20,
                uint8_input_mb=X_used.nbytes / 2**20,
            )
        )
    return PreprocessingRecord(inputs=rows)
