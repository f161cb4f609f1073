"""The ``kg`` command: validate, diff, new, check the ontology, query, count, export, countries,
serve.

Settings come from ``KG_*`` variables; flags override them. Exit codes: 0 success, 1 the check found
problems, 2 unusable input (a missing file, a syntax error in a query, a bad option).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph
from pydantic import ValidationError

from kg.errors import KGError, RdfSyntaxError, UnusableInputError
from kg.query.errors import NotAcceptable, QuerySyntaxError
from kg.query.formats import FORMATS, by_name
from kg.settings import STORE_CHOICES, Settings

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2

#: ``kg query --format``: a table for people, or any answer format of the endpoint's one table.
QUERY_FORMAT_NAMES = ("table", *(fmt.name for fmt in FORMATS if fmt.kind != "html"))


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with every flag the user gave taking precedence."""
    overrides: dict[str, Any] = {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in vars(args).items()
        if key in Settings.model_fields and value is not None
    }
    return Settings(**overrides)


def _cmd_validate(args: argparse.Namespace) -> int:
    from kg.contrib.reporting import render
    from kg.contrib.validation import ValidationReport, validate

    settings = _settings(args)
    if args.changed_since is None:
        report = validate(args.paths or None, settings=settings)
    else:
        from kg.contrib.changes import changed_files, repository_root

        root = repository_root(settings.data_dir.resolve().parent)
        changes = changed_files(
            args.changed_since, paths=args.paths or [settings.data_dir], root=root
        )
        if changes.changed or changes.deleted:
            # A deleted file's nodes may still be named elsewhere: check every file's references.
            report = validate(
                changes.changed or None,
                settings=settings,
                references_everywhere=bool(changes.deleted),
            )
        else:
            print(f"kg validate: no RDF file changed since {args.changed_since}", file=sys.stderr)
            report = ValidationReport(root=root)
    print(render(report, fmt=args.format))
    return report.exit_code


def _cmd_diff(args: argparse.Namespace) -> int:
    from kg.contrib.diff import diff

    print(diff(args.base_ref, settings=_settings(args)))
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    from kg.contrib.skeletons import skeleton

    text = skeleton(args.kind, slug=args.slug, label=args.label, base_iri=_settings(args).base_iri)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    if args.output.exists():
        raise UnusableInputError(f"{args.output}: already exists; choose another --output")
    args.output.write_text(text, encoding="utf-8")
    print(f"{args.output}: written; replace every TODO, then run: kg validate {args.output}")
    return EXIT_OK


def _cmd_check_ontology(args: argparse.Namespace) -> int:
    from kg.graph.reasoning import check_ontology, render_report

    settings = _settings(args)
    report = check_ontology(args.paths or [settings.ontology_dir])
    print(render_report(report))
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _cmd_stats(args: argparse.Namespace) -> int:
    from kg.queries import load_query
    from kg.store import build_store

    store = build_store(_settings(args), on_disk=False)
    for title, name in (
        ("Instances by class (asserted and inferred)", "count_by_class"),
        ("Triples by named graph", "count_by_graph"),
        ("Curated nodes by source", "count_by_source"),
    ):
        print(f"# {title}")
        print(_table(store.query(load_query(name))))  # type: ignore[arg-type]
        print()
    return EXIT_OK


def _cmd_query(args: argparse.Namespace) -> int:
    from kg.query.answers import check_format, write_answer
    from kg.query.gate import prepare
    from kg.store import build_store

    text = args.query
    if text.endswith(".rq") or (len(text) < 4096 and "\n" not in text and Path(text).is_file()):
        try:
            text = Path(text).read_text(encoding="utf-8")
        except OSError as error:
            raise UnusableInputError(f"{args.query}: cannot read ({error.strerror})") from None
    store = build_store(_settings(args), on_disk=False)
    try:
        prepared = prepare(text, named_graphs=store.named_graphs)
        if args.format != "table":
            check_format(prepared, by_name(args.format))
        result = store.query(prepared.text)
    except QuerySyntaxError as error:
        where = f"{error.line}:{error.column}: " if error.line is not None else ""
        print(f"kg query: malformed query: {where}{error.message}", file=sys.stderr)
        return EXIT_UNUSABLE
    except SyntaxError as error:
        print(f"kg query: malformed query: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    except NotAcceptable:
        fits = "graph" if prepared.form.answers_graph else "results"
        names = ", ".join(fmt.name for fmt in FORMATS if fmt.kind == fits)
        print(
            f"kg query: --format {args.format} cannot carry the answer of a "
            f"{prepared.form.value} query; use table or one of {names}",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    if args.format == "table" and not prepared.form.answers_graph:
        print(_table(result))  # type: ignore[arg-type]
        return EXIT_OK
    fmt = by_name("ttl" if args.format == "table" else args.format)
    # The endpoint's writer: the same CSV fixes, prefixes and checks as /sparql.
    sys.stdout.write(write_answer(result, fmt, limit=sys.maxsize).decode("utf-8"))
    return EXIT_OK


def _table(result: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean) -> str:
    """A plain-text table of a SELECT result (or an ASK's boolean), values in N-Triples form."""
    if isinstance(result, pyoxigraph.QueryBoolean):
        return "true" if bool(result) else "false"
    names = [v.value for v in result.variables]
    rows = [
        ["" if row[name] is None else _cell(row[name]) for name in names]  # type: ignore[index]
        for row in result
    ]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(line.rstrip() for line in lines)


def _cell(term: object) -> str:
    if isinstance(term, pyoxigraph.Literal) and term.datatype.value.endswith(
        ("#string", "#integer", "#decimal")
    ):
        return term.value
    return str(term)


def _cmd_export(args: argparse.Namespace) -> int:
    import io
    import zipfile

    from kg.describe.network import actor_network, network_bytes
    from kg.store import build_store

    if args.format == "csv" and args.output is None:
        raise UnusableInputError("kg export csv writes two files: give a folder with --output")
    settings = _settings(args)
    store = build_store(settings, on_disk=False)
    body = network_bytes(actor_network(store, base=settings.base_iri), args.format)
    if args.format == "csv":
        args.output.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for name in archive.namelist():
                (args.output / name).write_bytes(archive.read(name))
                print(f"wrote {args.output / name}", file=sys.stderr)
    elif args.output is not None:
        args.output.write_bytes(body)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return EXIT_OK


def _cmd_countries(args: argparse.Namespace) -> int:
    from kg.graph.countries import write_countries

    settings = _settings(args)
    output = args.output or settings.data_dir / "countries.ttl"
    changed = write_countries(output, base_iri=settings.base_iri)
    print(f"{output}: {'written' if changed else 'unchanged'}")
    return EXIT_OK


def _cmd_push(args: argparse.Namespace) -> int:
    from kg.store.push import Pushed, push

    def progress(pushed: Pushed) -> None:
        print(f"{pushed.graph}: {pushed.triples} triples (HTTP {pushed.status})")

    sent = push(_settings(args), url=args.to, on_graph=progress)
    print(f"kg push: {len(sent)} graphs sent")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from kg.serving import serve

    serve(_settings(args), log_level=args.log_level, access_log=args.access_log)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kg", description=__doc__.split("\n")[0])
    parser.add_argument("--base-iri", dest="base_iri", help="base IRI (KG_BASE_IRI)")
    parser.add_argument(
        "--project",
        dest="project_dir",
        type=Path,
        help="the project folder (KG_PROJECT_DIR; default: the nearest folder at or above the "
        "working directory holding ontology/ and shapes/)",
    )
    parser.add_argument("--ontology-dir", dest="ontology_dir", type=Path)
    parser.add_argument("--shapes-dir", dest="shapes_dir", type=Path)
    parser.add_argument("--data-dir", dest="data_dir", type=Path)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check data files: syntax, SHACL, references")
    validate.add_argument("paths", nargs="*", type=Path, help="files or folders (default: data/)")
    validate.add_argument(
        "--format", choices=("text", "json", "github", "junit", "sarif"), default="text"
    )
    validate.add_argument(
        "--changed-since",
        dest="changed_since",
        metavar="REF",
        help="validate only the files (under the paths) changed since this git ref, "
        "against the whole graph",
    )
    validate.set_defaults(run=_cmd_validate)

    diff = commands.add_parser("diff", help="what changed since a git ref, as Markdown")
    diff.add_argument("base_ref", metavar="BASE_REF", help="git ref to compare with, e.g. main")
    diff.set_defaults(run=_cmd_diff)

    new = commands.add_parser("new", help="print or write a Turtle skeleton to fill in")
    new.add_argument("kind", choices=("actor", "partnership", "programme", "outcome", "claim"))
    new.add_argument("--slug", help="the node's slug, e.g. russian-academy-of-sciences")
    new.add_argument("--label", help="the node's English name")
    new.add_argument("--output", type=Path, help="file to write (default: print)")
    new.set_defaults(run=_cmd_new)

    check = commands.add_parser("check-ontology", help="HermiT: consistency, unsatisfiable classes")
    check.add_argument("paths", nargs="*", type=Path, help="ontology files (default: ontology/)")
    check.set_defaults(run=_cmd_check_ontology)

    stats = commands.add_parser("stats", help="counts by class, named graph and source")
    stats.set_defaults(run=_cmd_stats)

    query = commands.add_parser("query", help="answer a SPARQL query on the embedded graph")
    query.add_argument("query", help="the query text, or a .rq file")
    query.add_argument("--format", choices=QUERY_FORMAT_NAMES, default="table")
    query.set_defaults(run=_cmd_query)

    export = commands.add_parser(
        "export",
        help="write the cooperation network (actors; partnerships and memberships as edges)",
        description="Write the cooperation network for network tools: actors as nodes, an edge "
        "per pair of parties of each partnership and per membership, with kind, sources and "
        "figures. graphml (networkx, igraph, Cytoscape), gexf (Gephi), csv (nodes.csv and "
        "edges.csv: VOSviewer, R, pandas).",
    )
    export.add_argument("format", choices=("graphml", "gexf", "csv"))
    export.add_argument(
        "--output", type=Path, help="file to write (csv: a folder); default: standard output"
    )
    export.set_defaults(run=_cmd_export)

    countries = commands.add_parser("countries", help="write ISO 3166-1 countries from pycountry")
    countries.add_argument("--output", type=Path, help="default: data/countries.ttl")
    countries.set_defaults(run=_cmd_countries)

    serve = commands.add_parser(
        "serve",
        help="serve SPARQL, linked data and pages over HTTP",
        description="Serve SPARQL, linked data and pages over HTTP. SIGHUP reloads the data (each "
        "worker is replaced by one that has loaded it; broken data leaves the old ones serving); "
        "SIGTERM or Ctrl-C drains the requests in flight, then stops.",
    )
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, help="uvicorn worker processes")
    serve.add_argument(
        "--store",
        metavar="STORE",
        help=f"store backend (KG_STORE): {STORE_CHOICES}; default oxigraph",
    )
    serve.add_argument(
        "--data",
        dest="data_paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="serve these RDF files or folders (Turtle, N-Triples, N-Quads, TriG) instead of "
        "data/; the ontology is still loaded (KG_DATA_PATHS)",
    )
    serve.add_argument("--store-path", dest="store_path", type=Path, help="on-disk store folder")
    serve.add_argument("--query-timeout", dest="query_timeout", type=float, help="seconds")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log every HTTP request (uvicorn's access log; queries are always logged)",
    )
    serve.set_defaults(run=_cmd_serve)

    push = commands.add_parser(
        "push", help="load the graph into a remote store (SPARQL 1.1 Graph Store Protocol)"
    )
    push.add_argument(
        "--to",
        metavar="URL",
        help="Graph Store endpoint, e.g. http://localhost:7878/store (default: KG_GRAPH_STORE_URL, "
        "else the /store beside KG_STORE's query URL)",
    )
    push.add_argument(
        "--store", metavar="STORE", help="the remote store (KG_STORE=sparql+http://host:port/query)"
    )
    push.add_argument(
        "--data",
        dest="data_paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="push these RDF files or folders instead of data/ (the ontology is always pushed)",
    )
    push.set_defaults(run=_cmd_push)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ValidationError as error:
        for problem in error.errors():
            key = "KG_" + "_".join(str(p) for p in problem["loc"]).upper()
            print(f"kg: bad setting {key}: {problem['msg']}", file=sys.stderr)
        return EXIT_UNUSABLE
    except RdfSyntaxError as error:
        print(f"kg: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KGError as error:
        print(f"kg: {error}", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
