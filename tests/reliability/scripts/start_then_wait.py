"""Start a run, say so, then wait to be killed (the kill lands well within the first second).

usage: start_then_wait.py
Prints ``RUN <run_id>`` as soon as ``start_run`` returned, logs nothing else.
"""

import time

import nbtrack

run = nbtrack.start_run(run_name="killed-at-once")
print(f"RUN {run.run_id}", flush=True)
time.sleep(3600)
