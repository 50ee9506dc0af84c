"""``python -m nbtrack`` runs the command line."""

from .cli import main

main()
