"""`mypy --strict` over mappingc and the generated modules, and every generated module held to
the contract the code that runs it relies on (mappingc.contract.module.GeneratedModule).

    .venv/bin/python scripts/typecheck.py [GENERATED_FOLDER]     # make test runs it

The conformance check is a file this script writes for the run, assigning each module to a
variable of the Protocol's type: mypy then checks every name and signature of every module.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from mypy import api

REPO = Path(__file__).resolve().parent.parent


def conformance(modules: list[Path]) -> str:
    lines = [
        '"""Every generated module, as the sync sees it (written by scripts/typecheck.py)."""',
        "",
        "from mappingc.contract.module import GeneratedModule",
        "",
    ]
    lines += [f"import {path.stem}" for path in modules]
    lines += [""]
    lines += [f"_{n}: GeneratedModule = {path.stem}" for n, path in enumerate(modules)]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    generated = Path(argv[0]) if argv else REPO / "generated" / "sync"
    modules = sorted(generated.glob("*.py"))
    with tempfile.TemporaryDirectory() as folder:
        check = Path(folder) / "generated_modules_meet_the_contract.py"
        check.write_text(conformance(modules), encoding="utf-8")
        out, err, status = api.run([str(REPO / "mappingc"), str(generated), str(check)])
    sys.stdout.write(out)
    sys.stderr.write(err)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
