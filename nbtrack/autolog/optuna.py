"""optuna autolog (placeholder)."""

NAME = "optuna"
WATCH: tuple[str, ...] = ()


def patch_module(module):
    pass
