"""Run settings that survive a resume: a config dataclass saved in each checkpoint as `train_config`.

A resumed run continues the loss curve only with the settings it was started with. `from_options`
builds a config from the options given explicitly, taking the rest from the resumed checkpoint
(except those that describe this machine or this process), and `warn_about_changed_settings` names
each explicit option that differs from the run's own. (The few-shot trainer uses these; the fast
trainer keeps its own copy in fast.py for now.)
"""

from __future__ import annotations

import logging
from dataclasses import fields
from typing import Any, TypeVar

from pipeline.core.errors import SettingsError
from pipeline.models.checkpoint import load_checkpoint

log = logging.getLogger(__name__)

Config = TypeVar("Config")


def from_options(
    cls: type[Config],
    options: dict[str, Any],
    command: str,
    required: tuple[str, ...],
    not_inherited: frozenset[str],
    trust_pickle: bool = False,
) -> Config:
    """A `cls` from the settings given explicitly (unknown keys, such as the CLI's own, are dropped).

    With `resume`, settings not given take the values saved in that checkpoint (except `not_inherited`).
    A setting in `required` that is still missing is a SettingsError naming its flag.
    """
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    settings = {k: v for k, v in options.items() if k in known}
    if settings.get("resume"):
        saved = load_checkpoint(settings["resume"], trust_pickle=trust_pickle).train_config or {}
        settings = {**{k: v for k, v in saved.items() if k in known - not_inherited}, **settings}
    missing = [f"--{name.replace('_', '-')}" for name in required if settings.get(name) is None]
    if missing:
        hint = (
            f"{settings['resume']} holds no saved training settings"
            if settings.get("resume")
            else "or --resume CHECKPOINT to continue a run with its own settings"
        )
        raise SettingsError(f"`{command}` needs {', '.join(missing)} ({hint})")
    return cls(**settings)


def warn_about_changed_settings(
    config: Any, saved: dict[str, Any], checkpoint: str, not_inherited: frozenset[str], architecture: frozenset[str]
) -> None:
    """A resumed run with other settings no longer continues the same loss curve: say so, setting by setting."""
    for f in fields(config):
        if f.name in not_inherited or f.name not in saved:
            continue
        now, before = getattr(config, f.name), saved[f.name]
        if _comparable(now) == _comparable(before):
            continue
        flag = "--" + f.name.replace("_", "-")
        if f.name in architecture:
            log.warning("%s %s ignored: the network resumed from %s was built with %s", flag, now, checkpoint, before)
        else:
            log.warning(
                "%s %s differs from the %s the run in %s was trained with; using %s", flag, now, before, checkpoint, now
            )


def _comparable(value: Any) -> Any:
    # sequences may come back from a checkpoint or a caller as lists or as tuples
    return list(value) if isinstance(value, tuple) else value
