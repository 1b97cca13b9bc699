"""The `kg` command line: thin wrappers that call one library function each and print its result."""
from __future__ import annotations

import signal
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Turn development and humanitarian reports into an evidence-backed knowledge graph.")
out_option = typer.Option(Path("out"), "--out", "-o", help="Output folder of the built graph and pages.")
console = Console(stderr=True, soft_wrap=True)
stdout = Console(soft_wrap=True)


@contextmanager
def _errors():
    """Known errors become one clear line on stderr and exit code 1; Ctrl-C exits 130."""
    from extract.gazetteer import GazetteerError
    from extract.report import ReportError
    from kg.eval import EvalError
    from kg.networks import NetworkError
    from kg.output import OutputError
    from kg.pages import PageError
    from kg.push import PushError
    from kg.serve import ServeError
    from kg.store import StoreError
    from kg.query import QueryError

    def show_warning(message, category, *args, **kwargs):
        console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)

    def stop(signum, frame):
        raise KeyboardInterrupt

    old = warnings.showwarning
    warnings.showwarning = show_warning
    old_term = signal.signal(signal.SIGTERM, stop)   # a kill cleans up the staging folder like Ctrl-C
    try:
        yield
    except (ReportError, EvalError, OutputError, GazetteerError, PageError, NetworkError, PushError, ServeError, StoreError, QueryError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        console.print("[red]interrupted:[/red] nothing was written; the previous output is unchanged")
        raise typer.Exit(130)
    finally:
        warnings.showwarning = old
        signal.signal(signal.SIGTERM, old_term)


@app.command()
def build(files: Optional[List[Path]] = typer.Argument(None, help="Report files or folders; default: the bundled reports."),
          out: Path = out_option,
          jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Reports analysed in parallel processes."),
          no_cache: bool = typer.Option(False, "--no-cache", help="Re-analyse every report, ignoring out/cache."),
          force: bool = typer.Option(False, "--force", help="Rebuild even when out/ is up to date.")):
    """Build reports into out/graph.trig (one named graph per report), out/graph.ttl and out/candidates.tsv."""
    from kg.build import build as build_reports, write_build

    from kg.build import up_to_date

    with _errors():
        if not (force or no_cache) and up_to_date(files or None, out):
            stdout.print(f"{out}/ is up to date: the same reports, unchanged, built by the same pipeline "
                         f"(--force rebuilds)")
            return
        with console.status("loading spaCy model and gazetteer..."):
            from extract.report import load_extractor
            extractor = load_extractor()
        cache = None if no_cache else out / "cache"
        b = build_reports(files or None, extractor, progress=lambda f: console.print(f"reading {f}", highlight=False),
                          jobs=jobs, cache_dir=cache)
        write_build(b, out)
    table = Table(title=f"built {len(b.records)} report(s) into {out}/")
    table.add_column("kind")
    table.add_column("entities", justify="right")
    for kind, n in b.kinds.items():
        table.add_row(kind, str(n))
    stdout.print(table)
    status = "conforms" if b.conformance.conforms else f"does NOT conform ({b.conformance.violations} results, see {out}/shacl-report.txt)"
    stdout.print(f"triples: {len(b.dataset)}   SHACL: {status}   time: {b.seconds:.1f} s"
                 f"   reports from cache: {b.reused}/{len(b.records)}")
    if not b.conformance.conforms:
        raise typer.Exit(1)


@app.command()
def pages(out: Path = out_option):
    """Write the offline pages (index, partnerships, outcomes-SDGs, places, report, entities) for out/."""
    from kg.eval import load_dataset
    from kg.pages import write_pages

    with _errors():
        written = write_pages(load_dataset(out), out)
    stdout.print(f"wrote {len(written)} files; open {out}/index.html")


@app.command("eval")
def eval_(out: Path = out_option,
          gold: Optional[Path] = typer.Option(None, help="Folder of gold files entities.tsv, relations.tsv, results.tsv "
                                              "(default: the Mali 2021 evaluation files), or one entities TSV."),
          report: str = typer.Option("unicef-mali-2021-country-office-annual-report", help="Slug of the report to score."),
          show: int = typer.Option(50, help="How many misses and false hits to list per table.")):
    """Score the built graph against gold files: entities, relations, outcome-SDG links, results."""
    from kg.eval import evaluate

    with _errors():
        ev = evaluate(out, gold, report)
    _score_table(f"entities of {report}", ev.entities.per_kind, ev.entities.overall)
    for kind, label in ev.entities.misses[:show]:
        stdout.print(f"miss\t{kind}\t{label}", highlight=False)
    for kind, label, iri in ev.entities.false_hits[:show]:
        stdout.print(f"false hit\t{kind}\t{label}\t{iri}", highlight=False)
    if ev.relations is not None:
        _score_table("relations", ev.relations.per_type, ev.relations.overall)
        for m in ev.relations.misses[:show]:
            stdout.print(f"miss\t{m.relation}\t{m.subject}\t{m.object}", highlight=False)
        for kind, a, b, evidence in ev.relations.false_hits[:show]:
            stdout.print(f"false hit\t{kind}\t{a}\t{b}\t{evidence[:100]}", highlight=False)
    if ev.sdgs is not None:
        s = ev.sdgs
        stdout.print(f"outcome->SDG links: core {s.core_found}/{s.core} ({s.core_recall:.3f}), secondary "
                     f"{s.secondary_found}/{s.secondary}, core below secondary: {len(s.order_violations)}; "
                     f"theme->SDG ties {s.ties_found}/{s.ties} ({s.tie_recall:.3f})", highlight=False)
        from kg.eval_sdgs import render_matrix
        stdout.print(render_matrix(s), highlight=False)
        for outcome, goal, status in s.misses[:show]:
            stdout.print(f"miss\tcontributes_to\t{outcome}\tSDG {goal}\t{status}", highlight=False)
    if ev.results is not None:
        r = ev.results
        stdout.print(f"results: recall {r.recall:.3f} ({r.found}/{r.gold} gold found, {r.predicted} extracted; "
                     f"value and unit exact)", highlight=False)
        for m in r.misses[:show]:
            stdout.print(f"miss\tresult\t{m.get('value')}\t{m.get('unit')}\t{m.get('what')}", highlight=False)


def _score_table(title: str, per_kind: dict, overall) -> None:
    table = Table(title=title)
    for col in ("kind", "precision", "recall", "F1", "gold", "predicted"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    for kind, s in per_kind.items():
        table.add_row(kind, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.gold), str(s.pred))
    o = overall
    table.add_row("[b]overall[/b]", f"{o.precision:.3f}", f"{o.recall:.3f}", f"{o.f1:.3f}", str(o.gold), str(o.pred))
    stdout.print(table)


@app.command()
def query(query: Optional[str] = typer.Argument(None, help="A query name (see --list), a .rq file, or SPARQL text."),
          param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="key=value; a label, entity key or IRI."),
          fmt: str = typer.Option("table", "--format", "-f", help="table, csv, tsv or json (SPARQL 1.1 JSON results)."),
          list_: bool = typer.Option(False, "--list", help="List the named queries and the question each answers."),
          out: Path = out_option):
    """Run a named SPARQL query, a .rq file or SPARQL text over the built graph (read-only)."""
    from kg.query import QueryError, format_results, list_queries, run_query

    with _errors():
        if list_ or not query:
            for q in list_queries():
                params = "".join(f" --param {p.name}=..." for p in q.parameters)
                stdout.print(f"[b]{q.name}[/b]{params}\n    {q.question}", highlight=False)
            return
        pairs = [p.partition("=") for p in param or []]
        if any(not k or not eq for k, eq, _ in pairs):
            raise QueryError("--param takes key=value, e.g. --param org=UNICEF")
        result = run_query(query, out, {k.strip(): v for k, _, v in pairs})
        sys.stdout.write(format_results(result, fmt))


@app.command()
def ask(question: str = typer.Argument(..., help="A question in plain words, e.g. \"Who funds WFP in Haiti?\""),
        fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
        out: Path = out_option):
    """Answer a plain-language question from the built graph, with the evidence and the SPARQL it ran."""
    from kg.ask import answer, render_answer
    from kg.query import load_graph

    with _errors():
        sys.stdout.write(render_answer(answer(question, load_graph(out)), fmt))


@app.command()
def serve(out: Path = out_option,
          port: int = typer.Option(7878, help="Port to listen on (0 picks a free one)."),
          host: str = typer.Option("127.0.0.1", help="Address to bind; the default serves this machine only."),
          timeout: float = typer.Option(10.0, help="Seconds a query may run before it is stopped.")):
    """Serve out/ read-only: SPARQL 1.1 endpoint at /sparql, query page at /query.html, the pages at /."""
    from kg.serve import make_server

    with _errors():
        server = make_server(out, host, port, timeout)
        console.print(f"serving {out}/ at http://{host}:{server.server_port}/  (SPARQL: /sparql, "
                      f"query page: /query.html); Ctrl-C stops", highlight=False)
        try:
            server.serve_forever()
        finally:
            server.close()


@app.command()
def push(endpoint: str = typer.Option(..., "--endpoint", help="Graph Store Protocol URL of a SPARQL store "
                                      "(Oxigraph /store, Fuseki /ds/data, GraphDB .../rdf-graphs/service)."),
         out: Path = out_option,
         update_endpoint: Optional[str] = typer.Option(None, help="SPARQL Update URL, if the store has no Graph Store Protocol.")):
    """Replace each report's named graph in an external SPARQL store with the graph built in out/."""
    from kg.push import push as push_graphs

    with _errors():
        pushed = push_graphs(out, endpoint, update_endpoint)
    for p in pushed:
        stdout.print(f"{p.graph}\t{p.triples} triples\t{p.method}\t{p.seconds:.2f} s", highlight=False)


def main() -> None:  # pragma: no cover - entry point for `python -m kg.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
