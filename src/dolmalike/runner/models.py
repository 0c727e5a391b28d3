"""Train the fastText classifiers a spec's `models:` section asks for, before the stages run.

Each model goes to RUN_DIR/models/<name>.bin with its held-out metrics in <name>.json. Training
is byte-reproducible (fixed seed, one thread), so models are outputs like any other, hashed into
the receipt; a completion marker per model makes a resumed run skip it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dolmalike.core.hashing import derive_seed
from dolmalike.core.typedconfig import checked
from dolmalike.exec.executor import mark_done
from dolmalike.io.atomic import atomic_write_json
from dolmalike.manifests.layout import RunLayout
from dolmalike.runner.spec import resolve_params


def _as_list(v: Any) -> list[str]:
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]


def _metric(held: dict[str, Any], name: str) -> str:
    # None when the holdout has no positive (or no predicted positive) document
    value = held.get(name)
    return "n/a" if value is None else f"{value:.3f}"


def _relativize_report(layout: RunLayout, model: Path) -> None:
    """The metrics report names files by absolute path; inside a run, record them relative to
    RUN_DIR so the run's outputs don't depend on where RUN_DIR lives."""
    from dolmalike.classifier.train import metrics_path

    report_path = metrics_path(model)
    text = report_path.read_text()
    for root in {str(layout.root.resolve()), str(layout.root)}:
        text = text.replace(root + "/", "")
    atomic_write_json(report_path, json.loads(text))


def train_models(
    layout: RunLayout, models: dict[str, dict[str, Any]], variables: dict[str, str], root_seed: int = 0
) -> dict[str, Path]:
    """Train each model of the spec's `models:`; a model without its own `seed` gets
    derive_seed(pipeline seed, "models.<name>") (its holdout split, line order and fastText seed)."""
    from dolmalike.classifier.train import TrainConfig, train_quality_classifier

    out: dict[str, Path] = {}
    for name, raw in sorted(models.items()):
        params = resolve_params(raw, variables)
        path = layout.model(name)
        out[name] = path
        marker = layout.marker("models", name)
        if marker.exists() and path.exists():
            continue
        options = checked(
            TrainConfig, {k: v for k, v in params.items() if k not in ("pos", "neg")}, f"models.{name}"
        )
        options.setdefault("seed", derive_seed(root_seed, f"models.{name}"))
        report = train_quality_classifier(
            _as_list(params["pos"]), _as_list(params["neg"]), path, TrainConfig(**options)
        )
        _relativize_report(layout, path)
        held = report.get("holdout") or {}
        if held:
            print(
                f"model {name}: held-out precision {_metric(held, 'precision')} recall {_metric(held, 'recall')}"
                f" at threshold {held.get('threshold', 0.5)}, auc {_metric(held, 'auc')}"
            )
        mark_done(marker)
    return out
