"""``python -m bench [--tiny] [P1 P3 ...]``: run the benchmarks and print their lines."""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time

from bench import BENCHES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--tiny", action="store_true", help="smallest sizes: prove the benchmarks run")
    parser.add_argument("only", nargs="*", help="benchmark ids to run (default: all)")
    args = parser.parse_args(argv)
    wanted = {name.upper() for name in args.only}
    print(f"# {time.strftime('%Y-%m-%d %H:%M %Z')} {platform.node()} {platform.machine()} "
          f"python {platform.python_version()} tiny={args.tiny}", flush=True)
    for bench_id, module_name in BENCHES:
        if wanted and bench_id not in wanted:
            continue
        module = importlib.import_module(f"bench.{module_name}")
        module.run(tiny=args.tiny)
    return 0


if __name__ == "__main__":
    sys.exit(main())
