"""lightning autolog (placeholder)."""

NAME = "lightning"
WATCH: tuple[str, ...] = ()


def patch_module(module):
    pass
