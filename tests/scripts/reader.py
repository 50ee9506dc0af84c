"""A reader process: queries the store in a loop until STOP_FILE exists.

Prints 'READS n' and the sequence of point counts it saw must never go down.
"""

import os
import sys
import time

import nbtrack

stop_file = sys.argv[1]
reads, last, errors = 0, 0, 0
while not os.path.exists(stop_file):
    count = int(nbtrack.sql("select count(*) as n from metrics")["n"].iloc[0])
    frame = nbtrack.runs(experiment="*")
    if count < last:
        print(f"WENT DOWN {last} -> {count}", flush=True)
        errors += 1
    last = count
    reads += 1
    assert len(frame) >= 0
    time.sleep(0.01)
print(f"READS {reads} LAST {last} ERRORS {errors}", flush=True)
