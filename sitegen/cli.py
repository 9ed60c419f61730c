"""The command line: `sitegen <command>`, each command one plain function; errors become exit codes.

Exit status: 0 all good, 1 content errors (the rest was still processed), 2 usage or config errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen import __version__
from sitegen.config import load_config
from sitegen.errors import ConfigError, ContentError, SitegenError

if TYPE_CHECKING:  # the commands import their stages lazily, so `--help` stays fast
    from sitegen.annotate.run import AnnotateReport
    from sitegen.handoff import BuildSummary, Outcome
    from sitegen.model import Article, Site

EPILOG = """commands in the order an editor uses them:
  import    raw scraped .txt articles -> content/articles/*.md
  annotate  people, places, organizations, dates, quotes -> content/annotations/*.yaml
  build     annotate what changed and render site/ (search included)
  serve     build, serve on 127.0.0.1, rebuild and reload on changes
  stop      stop the server of this site
  check     schema, stale annotations, lost anchors, unknown speakers, broken links
  review    annotation changes since a git revision, as Markdown for a pull request
  export    annotations as W3C Web Annotation JSON-LD
  eval      score the annotator against gold files

`sitegen COMMAND --help` explains each one."""


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from None


def _minutes(value: str) -> float:
    try:
        minutes = float(value)
    except ValueError:
        minutes = -1.0
    if not 0 <= minutes <= 24 * 60:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of minutes from 0 to 1440")
    return minutes


def parser() -> argparse.ArgumentParser:
    """The argument parser (also used to document the CLI)."""
    top = argparse.ArgumentParser(prog="sitegen", description="Build an annotated news digest: import "
                                  "articles, annotate them, render a cross-linked static site with search.",
                                  epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--version", action="version", version=f"sitegen {__version__}")
    top.add_argument("--root", type=Path, default=Path("."), help="site folder with sitegen.yaml (default: .)")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")

    imp = commands.add_parser("import", help="import raw text articles into content/articles/",
                              description="Turn raw scraped text files into Markdown articles with front "
                              "matter, removing site furniture. Never overwrites an article an editor changed.")
    imp.add_argument("paths", nargs="+", type=Path, help="raw .txt files or folders of them")
    imp.add_argument("--published", type=_date, help="publication date for articles without a dateline")
    imp.add_argument("--force", action="store_true", help="replace articles even if an editor changed them")
    imp.add_argument("--explain", action="store_true", help="only list what import would remove, write nothing")

    ann = commands.add_parser("annotate", help="annotate new and changed articles",
                              description="Write content/annotations/<slug>.yaml for every article whose text "
                              "changed since its annotations were made. Editor corrections are kept.")
    ann.add_argument("--force", action="store_true", help="re-annotate every article")
    ann.add_argument("--workers", type=int, help="processes to use (default: one per core)")
    ann.add_argument("--dask-scheduler", metavar="ADDRESS",
                     help="run annotation on an existing Dask cluster (tcp://host:8786); files are written here")

    bld = commands.add_parser("build", help="build site/ from content/",
                              description="Annotate what is stale, then render the site into the output folder. "
                              "One build of a site runs at a time: another waits for it. While `sitegen serve` runs "
                              "for the site, the server makes the build (with what it keeps from its last one) and "
                              "this command prints what it did.")
    bld.add_argument("--strict", action="store_true", help="fail on warnings too")
    bld.add_argument("--force", action="store_true",
                     help="rebuild even if nothing changed, drawing every page and search index again")
    bld.add_argument("--timings", action="store_true", help="print seconds per stage")
    bld.add_argument("--keep-warm", type=_minutes, metavar="MINUTES",
                     help="leave a build server running for the site, which makes this build and the next ones "
                     "with what it keeps (an edit at 10,000 articles: seconds, not tens of seconds) and stops "
                     "after MINUTES without a build, or at `sitegen stop` (default: keep_warm_minutes in "
                     "sitegen.yaml, 0: none)")

    srv = commands.add_parser("serve", help="build, serve on 127.0.0.1, rebuild and reload on changes",
                              description="Build the site, serve it locally and rebuild when content, templates "
                              "or config change; open pages reload themselves. One server per site; `sitegen build` "
                              "run meanwhile has the server build.")
    srv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument("--no-watch", action="store_true", help="serve without watching for changes")
    srv.add_argument("--on-demand", action="store_true",
                     help="build only when `sitegen build` asks (not at the start)")
    srv.add_argument("--stop-after", type=_minutes, metavar="MINUTES",
                     help="stop after MINUTES without a build asked for by `sitegen build`")

    commands.add_parser("stop", help="stop the server of this site (`sitegen serve`, `sitegen build --keep-warm`)",
                        description="Stop the `sitegen serve` running for the site, as Ctrl-C would: it saves what "
                        "it keeps for the next build first. Nothing to do when none runs.")

    chk = commands.add_parser("check", help="check content and annotations (for CI and before committing)")
    chk.add_argument("--site", action="store_true", help="also check links in the built site")

    rev = commands.add_parser("review", help="annotation changes since a git revision, as a PR comment",
                              description="Compare annotations at a git revision with the working tree and "
                              "print GitHub-flavoured Markdown for a pull-request comment.")
    rev.add_argument("--base", help="git revision to compare with (default: the merge base with main)")
    rev.add_argument("--format", choices=("markdown", "json"), default="markdown")

    exp = commands.add_parser("export", help="export annotations for other tools",
                              description="Write the annotations as W3C Web Annotation JSON-LD.")
    exp.add_argument("--format", choices=("w3c",), default="w3c")
    exp.add_argument("--out", type=Path, help="file to write (default: standard output)")

    ev = commands.add_parser("eval", help="score annotations against gold files",
                             description="Score against gold YAML (schema of GUIDELINES.md) using the gold "
                             "set's own score.py. With --articles, import and annotate those raw files first.")
    ev.add_argument("--gold", type=Path, required=True, help="folder of gold .yaml files and score.py")
    ev.add_argument("--articles", type=Path, help="folder of raw .txt articles to annotate")
    ev.add_argument("--predictions", type=Path, help="folder to write (or, alone, to read) predictions")
    ev.add_argument("--scorer", type=Path, help="score.py to use for gold files that have none beside them "
                    "(this project's hand-annotated set is scored with the shared gold set's)")
    ev.add_argument("--json", action="store_true", help="print the scores as JSON")
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status."""
    args = parser().parse_args(argv)
    if not args.command:
        parser().print_help()
        return 2
    try:
        return int(COMMANDS[args.command](args))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SitegenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output left (`sitegen review | head`): nothing to report. Standard output is
        # pointed at /dev/null so the flush at exit does not fail again; the status is a shell's for SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except OSError as exc:  # the machine refused (permissions, a full disk, a file where a folder must be)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1


def _raw_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.txt")))
        elif path.exists():
            files.append(path)
        else:
            raise SitegenError(f"{path}: no such file or folder")
    return files


def cmd_import(args: argparse.Namespace) -> int:
    from sitegen.ingest import explain, import_file, parse_raw, read_sidecar

    site = load_config(args.root)
    failures = 0
    taken: dict[str, str] = {}
    for raw in _raw_files(args.paths):
        try:
            if args.explain:
                article, warnings = parse_raw(raw, raw.read_bytes(), args.published, read_sidecar(raw))
                print("\n".join([*warnings, explain(article)]))
                continue
            result = import_file(raw, site.articles_dir, site.root, published=args.published, force=args.force,
                                 taken=taken)
        except ContentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failures += 1
            continue
        print(f"{result.status:9} {raw} -> content/articles/{result.slug}.md")
        if result.message:
            print(f"          {result.message}", file=sys.stderr)
    return 1 if failures else 0


def cmd_annotate(args: argparse.Namespace) -> int:
    import time

    from sitegen.annotate.run import annotate_site
    from sitegen.content import load_articles, load_knowledge_base

    site = load_config(args.root)
    articles, errors = load_articles(site)
    started = time.perf_counter()
    if args.dask_scheduler:
        report = _annotate_on_dask(args, site, articles)
    else:
        report = annotate_site(articles, load_knowledge_base(site), site.annotations_dir, force=args.force,
                               workers=args.workers)
    seconds = time.perf_counter() - started
    for error in errors + report.errors:
        print(f"error: {error}", file=sys.stderr)
    rate = f", {report.words / seconds:,.0f} words/s" if report.written and seconds else ""
    print(f"annotated {len(report.written)}, up to date {len(report.fresh)}{rate}")
    return 1 if errors or report.errors else 0


def _annotate_on_dask(args: argparse.Namespace, site: Site, articles: list[Article]) -> AnnotateReport:
    from sitegen.annotate.run import annotate_site
    from sitegen.content import load_knowledge_base

    try:
        from distributed import Client
    except ImportError:
        raise SitegenError("--dask-scheduler needs the `distributed` package: pip install 'sitegen[dask]'") from None
    try:
        client = Client(args.dask_scheduler, timeout="10s")  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise SitegenError(f"cannot reach the Dask scheduler at {args.dask_scheduler}: {exc}") from None
    with client:
        return annotate_site(articles, load_knowledge_base(site), site.annotations_dir, force=args.force,
                             executor=client.get_executor())  # type: ignore[no-untyped-call]


def cmd_build(args: argparse.Namespace) -> int:
    # Not sitegen.build yet: a command whose build a server makes needs none of what it imports (0.6 s).
    from sitegen.handoff import BuildSummary, ask_server, server_running, start_warm_server
    from sitegen.sitelock import Holder, claim

    site = load_config(args.root)
    keep_warm = args.keep_warm if args.keep_warm is not None else site.keep_warm_minutes
    if keep_warm and not server_running(site):
        from sitegen.build import up_to_date

        # Nothing to build: said at once, and the server makes its session's first build (which reads
        # everything: 20 s at 10,000 articles) in the background, for the next build.
        if not args.force and up_to_date(site):
            start_warm_server(site, keep_warm, _say, on_demand=False)
            status = _show_build(BuildSummary(up_to_date=True), site, args)
            print(f"a build server warms up for the next build: {_stops(keep_warm)}")
            return status
        start_warm_server(site, keep_warm, _say)

    def by_the_server(holder: Holder) -> tuple[Holder, Outcome] | None:
        if holder.command != "serve" or not holder.port:
            return None
        if holder not in asked:  # said once: a server still making its first build answers after it
            asked.append(holder)
            _say(f"{holder.describe()} serves this site; it makes the build")
        outcome = ask_server(holder, force=args.force)
        return None if outcome is None else (holder, outcome)

    asked: list[Holder] = []

    # While `sitegen serve` runs for this site, it builds (with what its session keeps); while another
    # build runs, this one waits for it.
    claimed = claim(site.cache_dir, Holder(os.getpid(), "build"), _say, by_the_server)
    if isinstance(claimed, tuple):
        server, outcome = claimed
        if outcome.error is not None:
            print(f"error: {outcome.error} (in the build by {server.describe()})", file=sys.stderr)
            return 1
        print(f"built by {server.describe()}, which serves this site")
        status = _show_build(outcome.summary, site, args)
        if keep_warm:
            print(f"it keeps the site warm for the next build: {_stops(keep_warm)}")
        return status
    from sitegen.build import build

    with claimed:
        return _show_build(BuildSummary.of(build(site, force=args.force)), site, args)


def _stops(keep_warm: float) -> str:
    """When a server kept warm stops, as `sitegen build` tells it."""
    return f"it stops after {keep_warm:g} min without one, or at `sitegen stop`"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _show_build(summary: BuildSummary, site: Site, args: argparse.Namespace) -> int:
    """Print what a build did; its exit status."""
    if summary.up_to_date:
        print(f"{site.out} is up to date (nothing changed since the last build; --force rebuilds)")
        return 0
    for error in summary.errors:
        print(f"error: {error}", file=sys.stderr)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"built {summary.pages} pages into {site.out} (annotated {summary.annotated} articles)")
    if args.timings:
        print("timings: " + ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in summary.timings))
    print(f"open {(site.out / 'index.html').resolve().as_uri()}")
    if summary.errors or (args.strict and summary.warnings):
        return 1
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from sitegen.serve import serve

    serve(args.root, args.host, args.port, watching=not args.no_watch, on_demand=args.on_demand,
          stop_after=args.stop_after)
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from sitegen.handoff import stop_server

    site = load_config(args.root)
    print("stopped" if stop_server(site, _say) else "no server runs for this site")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from sitegen.check import check

    site = load_config(args.root)
    problems = check(site, include_site=args.site)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "no problems")
    return 1 if problems else 0


def cmd_review(args: argparse.Namespace) -> int:
    from sitegen.annotate.topics import suggest_topics
    from sitegen.content import load_articles, load_knowledge_base
    from sitegen.review import review, to_json, to_markdown
    from sitegen.text import article_text

    site = load_config(args.root)
    changes = review(site, args.base)
    articles, _ = load_articles(site)
    suggestions = suggest_topics([article_text(a) for a in articles], load_knowledge_base(site).topics)
    print(to_json(changes, suggestions) if args.format == "json" else to_markdown(changes, suggestions), end="")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from sitegen.annotate.run import annotation_path, read_annotations
    from sitegen.content import load_articles
    from sitegen.export import to_json, w3c_annotations
    from sitegen.storage import atomic_write_text

    site = load_config(args.root)
    articles, errors = load_articles(site)
    stored = [read_annotations(annotation_path(site.annotations_dir, a.slug)) for a in articles]
    text = to_json(w3c_annotations([a for a in stored if a is not None], site))
    if args.out:
        atomic_write_text(args.out, text)
    else:
        print(text, end="")
    return 1 if errors else 0


def cmd_eval(args: argparse.Namespace) -> int:
    import json

    from sitegen.evaluate import evaluate, format_table

    result = evaluate(args.gold, args.articles, args.predictions, args.scorer)
    print(json.dumps(result, indent=2, sort_keys=True) if args.json else format_table(result))
    return 0


COMMANDS = {"import": cmd_import, "annotate": cmd_annotate, "build": cmd_build, "check": cmd_check,
            "serve": cmd_serve, "stop": cmd_stop, "review": cmd_review, "export": cmd_export, "eval": cmd_eval}
