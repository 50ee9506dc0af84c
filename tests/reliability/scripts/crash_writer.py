"""A writer made to be killed: logs points and artifacts and flushes in a loop, forever.

usage: crash_writer.py SEED SCRATCH_DIR

Each run logs steps 0, 1, 2, ... of the metric ``x`` (value = step) in
chunks; between chunks it may log a text artifact and a file artifact of
random bytes, then calls ``nbtrack.flush()``. It prints what each call
acknowledged, one line each, only after the call returned:

    RUN <run_id>                    start_run returned
    ACK <run_id> <points>           flush() returned: steps 0..points-1 are durable
    ART <run_id> <path> <sha256>    flush() returned: this artifact is durable
    END <run_id>                    end_run returned: the run is FINISHED

Some runs end (FINISHED); the one active when the test kills the process
must read KILLED.
"""

import hashlib
import random
import sys
import tempfile
from pathlib import Path

import nbtrack


def _artifacts(rng: random.Random, scratch: Path, round_: int) -> list[tuple[str, str]]:
    """Log 0-2 artifacts of random content; return their (path, sha256)."""
    logged = []
    if rng.random() < 0.6:
        text = rng.randbytes(rng.randint(1, 20_000)).hex()
        path = f"notes/round-{round_}.txt"
        nbtrack.log_text(text, path)
        logged.append((path, hashlib.sha256(text.encode()).hexdigest()))
    if rng.random() < 0.4:
        data = rng.randbytes(rng.randint(1, 3 << 20))
        source = scratch / f"blob-{round_}.bin"
        source.write_bytes(data)
        nbtrack.log_artifact(source, "blobs")
        logged.append((f"blobs/{source.name}", hashlib.sha256(data).hexdigest()))
    return logged


def _one_run(rng: random.Random, scratch: Path) -> None:
    run = nbtrack.start_run(run_name=f"victim-{rng.randrange(10**6)}")
    print(f"RUN {run.run_id}", flush=True)
    step = 0
    for round_ in range(rng.randint(2, 12)):
        for _ in range(rng.randint(1, 400)):
            nbtrack.log_metric("x", float(step), step=step)
            step += 1
        logged = _artifacts(rng, scratch, round_)
        nbtrack.flush()
        lines = [f"ACK {run.run_id} {step}"] + [f"ART {run.run_id} {p} {d}" for p, d in logged]
        print("\n".join(lines), flush=True)
    nbtrack.end_run()
    print(f"END {run.run_id}", flush=True)


def main() -> None:
    rng = random.Random(int(sys.argv[1]))
    scratch = Path(tempfile.mkdtemp(prefix="victim-", dir=sys.argv[2]))
    while True:
        _one_run(rng, scratch)


if __name__ == "__main__":
    main()
