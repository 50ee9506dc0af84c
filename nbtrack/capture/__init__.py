"""What a ``%%track`` cell records about itself, one module per job.

``params`` (literal assignments and ``-p`` overrides), ``identity`` (cell id,
notebook), ``git``, ``environment`` (Python and package versions),
``seeds``, ``history``, ``output`` (stdout/stderr and figures), ``lineage``
(the previous run of the same cell) and ``card`` (the run card). None of
these modules imports IPython: they are handed the shell's objects.
"""
