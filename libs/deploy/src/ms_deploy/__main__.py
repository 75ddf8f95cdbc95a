"""``python -m ms_deploy generate|check|local-env|local-kafka|new-service``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ms_deploy import declaration, generate, local


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["local-kafka"]:
        from ms_deploy import local_kafka

        return local_kafka.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m ms_deploy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("generate", help="write every generated deployment file")
    sub.add_parser("check", help="exit 1 when a generated file differs from what generate writes")
    env = sub.add_parser("local-env", help="bring var/local.env up to the declarations")
    env.add_argument("--write", type=Path, required=True, help="the env file (var/local.env)")
    sub.add_parser("local-kafka", help="the local broker's principals: secrets | apply (see --help)")
    new = sub.add_parser("new-service", help="create services/<name> from the scaffold")
    new.add_argument("name")
    new.add_argument("--port", type=int, help="API port (default: the next free one)")
    new.add_argument("--summary", default=None, help="what the service owns, in a few words")
    args = parser.parse_args(argv)

    if args.command == "new-service":
        from ms_deploy.scaffold import new_service

        path = new_service(args.name, port=args.port, summary=args.summary)
        print(f"created {path.relative_to(declaration.ROOT)}; next: make up, make test-svc SVC={args.name}")
        return 0
    platform = declaration.load()
    if args.command == "generate":
        written = generate.write(platform)
        print(f"{len(written)} file(s) written" + "".join(f"\n  {p}" for p in written))
        return 0
    if args.command == "check":
        stale = generate.stale(platform)
        for rel in stale:
            print(f"stale: {rel} (run make generate)", file=sys.stderr)
        return 1 if stale else 0
    changed = local.merge_local_env(args.write, platform, Path(declaration.ROOT))
    print(f"{args.write}: {len(changed)} setting(s) added or updated" + (f" ({', '.join(changed)})" if changed else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
