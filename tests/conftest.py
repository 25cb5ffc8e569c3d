import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import os

# One BLAS/OpenMP thread per test process: the machine has 2 cores, and oversubscribed OpenMP threads
# slow a concurrent training run (or each other) down tenfold.
os.environ.setdefault("OMP_NUM_THREADS", "1")
try:
    import torch

    torch.set_num_threads(1)
except ImportError:
    pass
