"""Readable default run names (``brave-otter-042``), easier to say than an id."""

from __future__ import annotations

import random

_ADJECTIVES = (
    "amber agile bold brave bright calm clever cosmic crisp daring eager fancy fierce gentle glad "
    "golden grand happy honest jolly keen lively lucky mellow merry mighty nimble noble polite proud "
    "quick quiet rapid rustic shiny silent smooth snappy solid spry steady sunny swift tidy vivid warm "
    "wise witty zesty"
).split()
_NOUNS = (
    "badger bison cat cobra crane deer dolphin eagle falcon ferret finch fox gecko heron horse ibis "
    "jaguar koala lemur lion llama lynx marten mole moose newt otter owl panda puffin quail rabbit "
    "raven robin seal shark sloth snail sparrow swan tapir tiger toad trout turtle viper walrus whale "
    "wolf yak zebra"
).split()


def random_run_name(rng: random.Random | None = None) -> str:
    """A name like ``brave-otter-042``; not unique, ids are."""
    pick = rng or random
    return f"{pick.choice(_ADJECTIVES)}-{pick.choice(_NOUNS)}-{pick.randrange(1000):03d}"
