"""A writer process for the concurrency tests.

usage: writer.py START_FILE POINTS [--batch N] [--pause S] [--name NAME] [--progress] [--flush-at N]
Waits until START_FILE exists (so all writers start together), logs POINTS
metric points to its own run, ends it, and prints the run id.
"""

import argparse
import os
import sys
import time

import nbtrack

parser = argparse.ArgumentParser()
parser.add_argument("start_file")
parser.add_argument("points", type=int)
parser.add_argument("--batch", type=int, default=250)
parser.add_argument("--pause", type=float, default=0.05)
parser.add_argument("--name", default=f"writer-{os.getpid()}")
parser.add_argument("--progress", action="store_true", help="print 'logged N T' after each batch")
parser.add_argument("--flush-at", type=int, default=0, help="call nbtrack.flush() after this many points")
args = parser.parse_args()

while not os.path.exists(args.start_file):
    time.sleep(0.005)

with nbtrack.start_run(run_name=args.name) as run:
    print(f"RUN {run.run_id}", flush=True)
    for i in range(args.points):
        nbtrack.log_metric("x", float(i), step=i)
        if (i + 1) % args.batch == 0:
            if i + 1 == args.flush_at:
                nbtrack.flush()
                print(f"FLUSHED {i + 1}", flush=True)
            if args.progress:
                print(f"logged {i + 1} {time.time():.3f}", flush=True)
            time.sleep(args.pause)
print(f"DONE {run.run_id}", flush=True)
sys.exit(0)
