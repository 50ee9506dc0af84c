"""keras autolog (placeholder)."""

NAME = "keras"
WATCH: tuple[str, ...] = ()


def patch_module(module):
    pass
