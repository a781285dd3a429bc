"""python -m matching solve FILE|- [--time-limit SECONDS]: print the assignment as JSON.

Invalid input: exit status 2 and one line on standard error naming the field."""

import argparse
import json
import math
import sys

from matching.scenario import ScenarioError
from matching.solver import solve


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other bad input
        print(f"usage: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv=None) -> int:
    parser = _Parser(prog="python -m matching")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("solve", help="solve a scenario (shared/matching-contract.md)")
    run.add_argument("file", help="scenario JSON file, or - for standard input")
    run.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args(argv)
    if not (math.isfinite(args.time_limit) and args.time_limit > 0):
        print("--time-limit: must be > 0", file=sys.stderr)
        return 2
    try:
        text = sys.stdin.buffer.read() if args.file == "-" else open(args.file, "rb").read()
        text = text.decode("utf-8")
    except OSError as err:
        print(f"{args.file}: {err.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as err:
        print(f"scenario: not UTF-8 text (byte {err.start})", file=sys.stderr)
        return 2
    try:
        scenario = json.loads(text)
    except json.JSONDecodeError as err:
        print(f"scenario: not JSON (line {err.lineno}, column {err.colno}: {err.msg})", file=sys.stderr)
        return 2
    except RecursionError:
        print("scenario: nested too deeply", file=sys.stderr)
        return 2
    except ValueError as err:  # a number with more digits than Python converts
        print(f"scenario: unreadable number ({str(err).split(':')[0]})", file=sys.stderr)
        return 2
    try:
        result = solve(scenario, time_limit_s=args.time_limit)
    except ScenarioError as err:
        print(str(err), file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
