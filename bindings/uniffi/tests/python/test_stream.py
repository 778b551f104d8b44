"""A 20 MB attachment sealed and opened through files in constant memory: the sealer and
both decryptors are fed 1 MiB at a time, and the process's peak memory grows by far less
than the attachment (measured in fresh interpreters, stream_child.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import BINDINGS

HERE = Path(__file__).resolve().parent
MEGABYTES = 20


def child(folder: Path, mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BINDINGS), str(HERE)])}
    run = subprocess.run([sys.executable, str(HERE / "stream_child.py"), str(folder), mode, str(MEGABYTES)],
                         check=True, capture_output=True, text=True, env=env)
    return json.loads(run.stdout)


def test_twenty_megabytes_streamed_in_constant_memory(tmp_path):
    baseline = child(tmp_path, "baseline")
    got = child(tmp_path, "stream")
    size = MEGABYTES * 1_000_000
    assert got["plaintext_bytes"] == size
    assert got["ciphertext_bytes"] > size and got["piece_sizes"][1] == got["ciphertext_bytes"]
    assert got["footer"] == "E2E Encrypted"
    for how in ("verified", "unverified"):
        assert got["opened"][how] == {"sha256": got["plaintext_sha256"], "bytes": size}, how
    grew_mib = (got["maxrss_kib"] - baseline["maxrss_kib"]) / 1024
    print(f"20 MB streamed: peak memory {got['maxrss_kib'] / 1024:.1f} MiB, "
          f"{grew_mib:.1f} MiB over a process that only made the keys")
    # Holding the attachment once (plaintext or ciphertext) would already be 19 MiB.
    assert grew_mib < 12, f"streaming grew the process by {grew_mib:.1f} MiB"
