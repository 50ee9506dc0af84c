"""Take the store's lock and hold it until killed (a stuck process)."""

import sys
import time
from pathlib import Path

from nbtrack.store.lock import StoreLock

lock = StoreLock(Path(sys.argv[1]) / "nbtrack.duckdb.lock")
lock.acquire(timeout=10)
print("HOLDING", flush=True)
time.sleep(3600)
