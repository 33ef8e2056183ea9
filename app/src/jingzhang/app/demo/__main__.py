"""`python -m jingzhang.app.demo --assignment URL --appeals URL --patrols URL --evaluation URL --seed N`.

The services must run with the demo's controlled clock (`CLOCK_CONTROL=true`, `CLOCK_START` no later than
2025-01-01T08:00:00+08:00), as `jingzhang up --demo` starts them.
"""

import argparse
import asyncio
import sys

from jingzhang.app.demo import SERVICES, generate

DEFAULT_PORTS = {"assignment": 8101, "appeals": 8102, "patrols": 8103, "evaluation": 8104}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m jingzhang.app.demo", description=__doc__)
    for service in SERVICES:
        parser.add_argument(f"--{service}", default=f"http://127.0.0.1:{DEFAULT_PORTS[service]}", help="base URL")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--year", type=int, default=2025, help="the year the activities are dated in")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--wait", type=float, default=600.0, help="seconds to wait for the services to settle")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    urls = {s: getattr(args, s) for s in SERVICES}
    summary = asyncio.run(
        generate(
            urls,
            args.seed,
            year=args.year,
            progress=lambda m: print(m, file=sys.stderr),
            concurrency=args.concurrency,
            wait_timeout=args.wait,
        )
    )
    print(f"seed {summary.seed}, year {summary.year}, plan {summary.plan_digest[:12]}, {summary.elapsed_seconds} s")
    print("commands: " + ", ".join(f"{s} {n}" for s, n in summary.commands.items()))
    for name, value in summary.figures.items():
        want = summary.expected.get(name)
        mark = "" if want is None or want == value else f"   (expected {want})"
        print(f"  {name:28} {value}{mark}")
    refused = ", ".join(f"{code} {n}" for code, n in sorted(summary.refused.items())) or "none"
    print(f"{summary.steps} steps through {summary.year}; refused as planned: {refused}")
    published = "published" if summary.published else "NOT published"
    print(
        f"ranking {summary.year} {published}: {summary.models} models, {summary.laggards} laggards"
        f" of {summary.ranked_officers} chiefs ranked"
    )
    return 0 if summary.matched else 1


if __name__ == "__main__":
    raise SystemExit(main())
