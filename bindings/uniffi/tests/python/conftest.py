"""Test set-up: the generated module `mailseal` (bindings/uniffi/out/python, from generate.sh)
on the import path, and the helpers of world.py."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BINDINGS = Path(os.environ.get("MAILSEAL_PYTHON", HERE.parent.parent / "out" / "python"))
if not (BINDINGS / "mailseal.py").exists():
    raise RuntimeError(f"no generated bindings in {BINDINGS}: run bindings/uniffi/generate.sh first")
sys.path.insert(0, str(BINDINGS))
sys.path.insert(0, str(HERE))
