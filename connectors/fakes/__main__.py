"""Run the fake platforms by hand: ``python -m connectors.fakes --port 8900 --demo``.

Prints the demo accounts as YAML (for a config file) and the environment it needs,
then serves until interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import yaml

from connectors.fakes.demo_data import DEMO_ENV, demo_accounts, load_demo
from connectors.fakes.server import FakePlatformServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors.fakes", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--demo", action="store_true", help="load the demo organisation")
    args = parser.parse_args(argv)
    server = FakePlatformServer(args.host, args.port).start()
    out = sys.stdout
    out.write(f"# fake platforms at {server.url}\n")
    if args.demo:
        load_demo(server)
        out.write(yaml.safe_dump({"accounts": demo_accounts(server)}, sort_keys=False))
        out.write("# environment:\n" + "".join(f"#   export {k}={v}\n" for k, v in DEMO_ENV.items()))
    out.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
