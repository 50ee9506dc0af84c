"""The reliability suite: crashes, contention, full disks, damaged files, fuzzing, hostile input.

Each test uses the store that ``tests/conftest.py`` gives every test
(``NBTRACK_URI`` points at it); long variants carry the ``soak`` marker and
run from ``benchmarks/``.
"""
