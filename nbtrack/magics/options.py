"""Checking ``%%track`` options before anything runs; every mistake is a MagicUsageError."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from ..errors import InvalidKeyError, InvalidValueError, MagicUsageError
from ..tracking import validation


@dataclass
class TrackOptions:
    """The options of one ``%%track`` line, checked."""

    experiment: str | None = None
    name: str | None = None
    params: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    nested: bool = False
    capture: bool = True
    quiet: bool = False
    #: Names that are not params (``--exclude ymin,ymax``); a dict's name leaves out all its entries.
    exclude: list[str] = field(default_factory=list)
    #: Name dict entries ``<dict>/<key>`` (``params/n_estimators``) instead of ``<key>``.
    param_prefix: bool = False

    def identity_text(self) -> str:
        """The options that make two cells different runs of different things (not -p, not tags)."""
        return f"{self.experiment or ''}\0{self.name or ''}\0{self.nested}"


def unquote(text: str | None) -> str | None:
    """IPython splits magic lines without removing quotes: ``-n 'my run'`` gives ``'my run'``."""
    if text is not None and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def check(args: argparse.Namespace) -> TrackOptions:
    """Options from the parsed line, or a MagicUsageError naming the problem."""
    experiment = unquote(args.experiment)
    if experiment is not None and (not experiment.strip() or len(experiment) > validation.MAX_KEY_LENGTH):
        raise MagicUsageError(f"-e/--experiment needs a name of 1 to {validation.MAX_KEY_LENGTH} characters")
    name = unquote(args.name)
    if name is not None and not name.strip():
        raise MagicUsageError("-n/--name needs a run name, e.g. -n rf-baseline")
    return TrackOptions(
        experiment=experiment,
        name=name,
        params=list(args.param or []),
        metrics=_metric_names(args.metrics or []),
        tags=_tags(args.tags or []),
        nested=bool(args.nested),
        capture=not args.no_capture,
        quiet=bool(args.quiet),
        exclude=_excluded_names(args.exclude or []),
        param_prefix=bool(args.param_prefix),
    )


def _metric_names(items: list[str]) -> list[str]:
    names = [n.strip() for item in items for n in (unquote(item) or "").split(",") if n.strip()]
    bad = [n for n in names if not n.isidentifier()]
    if bad:
        raise MagicUsageError(
            f"--metrics takes variable names separated by commas, e.g. --metrics val_acc,loss; "
            f"not variable names: {', '.join(bad)}"
        )
    return list(dict.fromkeys(names))


def _excluded_names(items: list[str]) -> list[str]:
    names = [n.strip() for item in items for n in (unquote(item) or "").split(",")]
    if any(not n for n in names):
        raise MagicUsageError(
            "--exclude takes parameter names separated by commas, e.g. --exclude ymin,ymax "
            f"(got {','.join(items)!r})"
        )
    try:
        return list(dict.fromkeys(validation.check_key(n, "--exclude") for n in names))
    except InvalidKeyError as exc:
        raise MagicUsageError(f"--exclude: {exc}") from None


def _tags(items: list[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in items:
        for pair in (unquote(item) or "").split(","):
            if not pair.strip():
                continue
            key, sep, value = pair.partition("=")
            if not sep:
                raise MagicUsageError(
                    f"--tags takes key=value pairs, e.g. --tags team=growth,stage=dev (got {pair!r})"
                )
            try:
                key = validation.check_key(key.strip(), "tag")
                tags[key] = validation.tag_value(key, unquote(value.strip()))
            except (InvalidKeyError, InvalidValueError) as exc:
                raise MagicUsageError(f"--tags: {exc}") from None
    return tags
