"""Malformed inputs for every importer and every register import: seeded mutations of the shipped
samples (and of the demo's registers, exported), each imported on its own into a workspace.

    .venv/bin/python bench/malformed_probe.py [--count 200] [--seed 19]

Prints, per importer, how many inputs stored something, were refused by row or whole, and any
failure (a traceback, a message not naming the file, an importer bug, a planted NHS number stored).
Exit 1 on any failure. ``tests/test_malformed_inputs.py`` runs a few of each.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QSI_DISABLE_PLUGIN_DISCOVERY", "1")

from qsi_desktop.selftest import mutate
from qsi_desktop.services.app import App
from qsi_desktop.services.demo import build_demo
from qsi_desktop.store.workspace import NewProfile, Workspace

PLUGINS = [f"qsi_plugin_{m}.plugin" for m in ("ct", "ir", "mr", "nm", "us")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="inputs per importer and per register")
    parser.add_argument("--seed", default="19")
    args = parser.parse_args()
    app = App.load(plugins=PLUGINS)
    outcomes: list[mutate.Outcome] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qsi-malformed-") as tmp:
        root = Path(tmp)
        with Workspace.create(
            root / "ws",
            NewProfile("Probe", modalities=("CT", "IR", "MR", "NM", "US")),
            framework_id=app.framework_id,
            actor="probe",
        ) as ws:
            for importer in sorted(i.name for i in app.plugins.importers()):
                rng = random.Random(f"{args.seed}-{importer}")
                seeds = mutate.table_seeds(importer, root / "seeds" / importer)
                outcome = mutate.probe_importer(ws, app, importer, seeds, args.count, rng, root / "in" / importer)
                outcomes.append(outcome)
                print(outcome.line(), flush=True)
            leaks = mutate.planted_leaks(ws.path)
        build_demo(root / "demo", app, actor="probe")
        with Workspace.open(root / "demo") as demo:
            for register_id, files in sorted(mutate.register_seeds(demo, app, root / "register-seeds").items()):
                rng = random.Random(f"{args.seed}-{register_id}")
                outcome = mutate.probe_register(demo, app, register_id, files, args.count, rng, root / register_id)
                outcomes.append(outcome)
                print(outcome.line(), flush=True)
            leaks += mutate.planted_leaks(demo.path)
    total = sum(o.inputs for o in outcomes)
    failures = [f for o in outcomes for f in o.failures]
    mutations: dict[str, int] = {}
    for o in outcomes:
        for what, n in o.by_mutation.items():
            for part in what.split("+"):
                mutations[part] = mutations.get(part, 0) + n
    print(
        f"\n{total} malformed inputs in {time.perf_counter() - started:.1f} s; mutations used: "
        + ", ".join(f"{k} {v}" for k, v in sorted(mutations.items()))
    )
    print(f"{len(failures)} failure(s); planted NHS numbers stored: {len(leaks)}")
    for failure in failures[:20]:
        print("FAILURE:", failure)
    for leak in leaks[:20]:
        print("LEAK:", leak)
    return 1 if failures or leaks else 0


if __name__ == "__main__":
    sys.exit(main())
