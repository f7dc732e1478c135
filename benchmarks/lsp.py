"""Benchmark (not a test): how fast the language server answers an edit, against `mappingc check`.

    .venv/bin/python benchmarks/lsp.py

A copy of this repository's mappings plus one template of 1,000 lines. `mappingc lsp` runs as a
real process; each edit of the big file (a value-map name broken, then mended) is timed from
the `didChange` sent until its `publishDiagnostics` arrives. The baseline is what an author
without the server runs: `mappingc check` on the same project, a whole process each time.
Medians of 30 edits and of 5 checks.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

# `MAPPINGC_BENCH_QUICK=1`: the smallest run that still measures (tests/test_benchmarks.py
# runs every benchmark so in `make test`, so that none of them rots).
QUICK = os.environ.get("MAPPINGC_BENCH_QUICK") == "1"
REPO = Path(__file__).resolve().parent.parent
EDITS = 4 if QUICK else 30
CHECKS = 1 if QUICK else 5
ROWS = 995


def big_template() -> str:
    rows = "".join(f"    FIELD{n:04} = field{n:04}\n" for n in range(ROWS))
    return (
        'template big {\n    label "Big"\n    finance_operations BigEntity\n'
        f"    dataverse bigs\n    key field0000\n    KIND >< kind via NoYes\n{rows}}}\n"
    )


class Client:
    """Just enough JSON-RPC over stdio to drive one server."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.next_id = 0

    def send(self, method: str, params: Any, request: bool = False) -> int | None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        stdin: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()
        return message.get("id")

    def receive(self) -> dict[str, Any]:
        stdout: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        length = 0
        while (line := stdout.readline().strip()) != b"":
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        found: dict[str, Any] = json.loads(stdout.read(length))
        return found

    def diagnostics_for(self, uri: str) -> list[Any]:
        while True:
            message = self.receive()
            params = message.get("params") or {}
            if message.get("method") == "textDocument/publishDiagnostics" and params["uri"] == uri:
                return list(params["diagnostics"])

    def answer(self, request: int | None) -> None:
        while self.receive().get("id") != request:
            pass


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        project = Path(work)
        shutil.copytree(REPO / "mappings", project / "mappings")
        (project / "pyproject.toml").write_text('[tool.mappingc]\nmappings = "mappings"\n')
        path = project / "mappings" / "big.dwmap"
        text = big_template()
        path.write_text(text)
        assert text.count("\n") >= 1000
        client = Client([sys.executable, "-m", "mappingc", "lsp"], project)
        initialize = {"processId": None, "rootUri": project.as_uri(), "capabilities": {}}
        client.answer(client.send("initialize", initialize, request=True))
        client.send("initialized", {})
        uri = path.as_uri()
        document = {"uri": uri, "languageId": "dwmap", "version": 1, "text": text}
        client.send("textDocument/didOpen", {"textDocument": document})
        assert client.diagnostics_for(uri) == []
        edits = []
        for version in range(2, EDITS + 2):
            broken = version % 2 == 0
            changed = text.replace("via NoYes", "via NoYe") if broken else text
            started = time.perf_counter()
            client.send(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": changed}],
                },
            )
            found = client.diagnostics_for(uri)
            edits.append(time.perf_counter() - started)
            assert bool(found) == broken, found
        client.answer(client.send("shutdown", None, request=True))
        client.send("exit", None)
        client.process.wait(timeout=30)
        checks = []
        for _ in range(CHECKS):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "mappingc", "check"], cwd=project, capture_output=True
            )
            checks.append(time.perf_counter() - started)
    edit, check = statistics.median(edits), statistics.median(checks)
    files = len(list((REPO / "mappings").rglob("*.dwmap"))) + 1
    print(f"| measure ({files} files, one of 1,000 lines edited) | median |")
    print("|---|---|")
    print(f"| `mappingc lsp`: didChange → publishDiagnostics | {edit * 1000:.0f} ms |")
    print(f"| `mappingc check`, the same project | {check * 1000:.0f} ms |")
    print(f"| ratio | {edit / check:.2f} x |")


if __name__ == "__main__":
    main()
