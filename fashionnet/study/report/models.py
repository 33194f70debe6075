"""The report's sections on the models themselves: what each one is and
takes (``4. Models``), and the search for LeNet-5's hyperparameters
(``5. Tuning``). The models are looped over from the run's model stages, so a
newly registered model gets its entry without code here.
"""

from __future__ import annotations

from fashionnet.registry import get_model
from fashionnet.report import Report

from ..records import StudyMetrics
from ._text import _fmt, _list, _params_text

__all__: list[str] = []  # sections of build_report, not an API


def _section_models(doc: Report, m: StudyMetrics) -> None:
    doc.heading("4. Models")
    items = []
    for s in m.models.values():
        spec = get_model(s.model)
        text = f"{s.title} (`{spec.class_name}`, `--model {spec.key}`): "
        if s.skipped:
            items.append(text + f"**{s.weights_note}**.")
            continue
        if spec.pretrained:
            b = s.backbone
            assert b is not None, f"{s.title} has no backbone record"
            text += (
                f"{_fmt(b.input_size)}x{_fmt(b.input_size)}x3 input, last "
                f"{_fmt(b.trainable_layers)} of {_fmt(b.backbone_layers)} backbone "
                "layers trainable, head "
                f"{_head(b.head)}; weights: {s.weights_note}; "
                f"{_fmt(s.train_images)} training images, "
                f"{b.cache_note or 'features not cached'}."
            )
        else:
            text += spec.summary
        items.append(text + _params_text(s.params))
    doc.bullets(items)


def _head(head: list) -> str:
    return "-".join(
        f"dropout {_fmt(h)}" if isinstance(h, float) and h < 1 else _fmt(h) for h in head
    )


def _section_tuning(doc: Report, m: StudyMetrics) -> None:
    t = m.tuning
    doc.heading("5. Tuning")
    space = t.space  # the searched values, by parameter name
    doc.paragraph(
        f"keras-tuner random search (`KerasTunerSearchCV`, {_fmt(t.n_trials)} trials, "
        f"objective val_accuracy on a 0.2 validation split) over learning rates "
        f"{_list(space['learning_rate'])}, batch sizes {_list(space['batch_size'])} and "
        f"epochs {_list(space['epochs'])}. The study also searched a learning rate of 1.0, "
        f"where Adam diverges; it is left out. The search took {_fmt(t.search_seconds)} s."
    )
    keys = ["trial", "learning_rate", "batch_size", "epochs", "val_accuracy", "status", "seconds"]
    doc.table(
        ["trial", "learning rate", "batch size", "epochs", "val accuracy", "status", "seconds"],
        [[getattr(x, k) for k in keys] for x in t.trials],
    )
    best = t.best_params  # the estimator's parameters, by name
    doc.paragraph(
        f"Best: learning rate {_fmt(best['learning_rate'])}, batch size "
        f"{_fmt(best['batch_size'])}, epochs {_fmt(best['epochs'])}, validation accuracy "
        f"{_fmt(t.best_val_accuracy)}."
    )
    doc.figure("figures/tuning_results.png", "Validation accuracy per trial and running best")
