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
    """The project's errors (extract.errors.KGError) become one clear line on stderr and exit code 1; Ctrl-C exits 130."""
    from extract.errors import KGError

    def show_warning(message, category, *args, **kwargs):
        console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)

    def stop(signum, frame):
        raise KeyboardInterrupt

    old = warnings.showwarning
    warnings.showwarning = show_warning
    old_term = signal.signal(signal.SIGTERM, stop)   # a kill cleans up the staging folder like Ctrl-C
    try:
        yield
    except KeyboardInterrupt:
        console.print("[red]interrupted:[/red] nothing was written; the previous output is unchanged")
        raise typer.Exit(130)
    except KGError as exc:
        console.print(f"[red]error:[/red] {' '.join(str(exc).split())}", highlight=False)   # one line, always
        raise typer.Exit(1)
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
    from kg.build.reports import build as build_reports, check_inputs, up_to_date
    from kg.build.write import write_build

    with _errors():
        if not (force or no_cache) and up_to_date(files or None, out):
            stdout.print(f"{out}/ is up to date: the same reports, unchanged, built by the same pipeline "
                         f"(--force rebuilds)")
            return
        check_inputs(files or None)
        with console.status("loading spaCy model and gazetteer..."):
            from extract.report import load_extractor
            extractor = load_extractor()
        cache = None if no_cache else out / "cache"
        with _build_progress(out) as (progress, writing):
            b = build_reports(files or None, extractor, progress=progress, jobs=jobs, cache_dir=cache)
            writing()
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


@contextmanager
def _build_progress(out: Path):
    """A progress bar of the reports analysed, then of the writing, on stderr only when it is a terminal (pipes
    and logs get nothing): yields the callback `build` calls per report and the one to call before writing."""
    if not console.is_terminal:
        yield None, lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("analysing reports", total=None)

        def analysed(path: Path, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=f"analysed {Path(path).name}")

        def writing() -> None:
            bar.update(task, description=f"writing {out}/ (graph, pages, store)")

        yield analysed, writing


@app.command()
def pages(out: Path = out_option):
    """Write the offline pages (index, partnerships, outcomes-SDGs, places, report, entities) for out/."""
    from kg.dataset.load import load_dataset
    from kg.pages.write import write_pages

    with _errors():
        written = write_pages(load_dataset(out), out)
    stdout.print(f"wrote {len(written)} files; open {out}/index.html")


@app.command("eval")
def eval_(out: Path = out_option,
          gold: Optional[Path] = typer.Option(None, help="A gold folder (entities.tsv, relations.tsv, results.tsv, "
                                              "questions.json; default: the Mali 2021 gold) or one entities TSV."),
          report: Optional[str] = typer.Option(None, help="Slug of the report to score (default: questions.json's "
                                               "\"report\", else the gold folder's name)."),
          all_: bool = typer.Option(False, "--all", help="Score every gold folder of --gold-root whose report is built."),
          gold_root: Optional[Path] = typer.Option(None, help="Folder of gold folders for --all (default: tests/eval)."),
          show: Optional[int] = typer.Option(None, help="How many misses, false hits and answers to list per table "
                                             "(default 50; with --all, 0: the summary only)."),
          questions: bool = typer.Option(True, help="Ask questions.json's questions (--no-questions skips them).")):
    """Score the built graph against gold files: entities, relations, outcome-SDG links, results, questions."""
    from kg.eval import EvalError, evaluate, evaluate_all
    from kg.eval.render import render_evaluation, render_summary

    with _errors():
        if all_ and (gold or report):
            raise EvalError("--all scores every gold folder of --gold-root; leave out --gold and --report")
        if gold_root and not all_:
            raise EvalError("--gold-root is the folder of gold folders for --all; pass --all, or --gold DIR for one")
        if all_:
            evset = evaluate_all(out, gold_root, questions)
            lines = [x for ev in evset.evaluations for x in render_evaluation(ev, show)] if show else []
            lines += render_summary(evset)
        else:
            lines = render_evaluation(evaluate(out, gold, report, questions=questions), 50 if show is None else show)
    shown = stdout if stdout.is_terminal else Console(soft_wrap=True, width=160)   # piped: room for every column
    for line in lines:
        if isinstance(line, str):       # tab-separated lines stay tab-separated (rich would expand the tabs)
            shown.file.write(line + "\n")
        else:
            shown.print(line)


@app.command()
def query(query: Optional[str] = typer.Argument(None, help="A query name (see --list), a .rq file, or SPARQL text."),
          param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="key=value; a label, alias, entity key or IRI."),
          fmt: str = typer.Option("table", "--format", "-f", help="table, csv, tsv (SPARQL 1.1 TSV) or json (SPARQL 1.1 JSON results)."),
          list_: bool = typer.Option(False, "--list", help="List the named queries and the question each answers."),
          timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="Seconds the query may run before it is stopped."),
          out: Path = out_option):
    """Run a named SPARQL query, a .rq file or SPARQL text over the built graph's store (read-only)."""
    from kg.query.formats import format_results
    from kg.query.library import QueryError, list_queries
    from kg.query.run import run_query

    with _errors():
        if list_ or not query:
            for q in list_queries():
                params = "".join(f" --param {p.name}=..." for p in q.parameters)
                stdout.print(f"[b]{q.name}[/b]{params}\n    {q.question}", highlight=False)
            return
        pairs = [p.partition("=") for p in param or []]
        if any(not k or not eq for k, eq, _ in pairs):
            raise QueryError("--param takes key=value, e.g. --param org=UNICEF")
        store = _open_store(out)
        with _time_limit(timeout, "the query"):
            text = format_results(run_query(query, store, {k.strip(): v for k, _, v in pairs}), fmt)
    sys.stdout.write(text)


def _open_store(out: Path):
    """The build's store, saying so on a terminal when it has to be made first (once per build)."""
    from kg.query.run import open_store
    from kg.dataset.store import store_is_fresh

    if store_is_fresh(out) or not (out / "graph.trig").is_file():
        return open_store(out)
    with console.status(f"making {out}/store/ from {out}/graph.trig (once per build)..."):
        return open_store(out)


@contextmanager
def _time_limit(seconds: float, what: str):
    """Oxigraph cannot be interrupted inside a query, so past the limit the process ends with one clear line
    (nothing has been written to stdout: results are printed only once complete)."""
    import os
    import threading

    def expire():
        sys.stderr.write(f"error: {what} ran longer than {seconds:g} s and was stopped; narrow it (a --param, a "
                         f"LIMIT) or give more time with --timeout\n")
        sys.stderr.flush()
        os._exit(1)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


@app.command()
def ask(question: Optional[str] = typer.Argument(None, help="A question in plain words, e.g. \"Who funds WFP in Haiti?\"; "
                                                 "none: read questions line by line from the terminal or stdin."),
        fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
        all_: bool = typer.Option(False, "--all", help="Every answer of the relation query, ranked, not only those "
                                  "whose evidence carries the question."),
        timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="Seconds one question may take."),
        out: Path = out_option):
    """Answer a plain-language question from the built graph, with the evidence and the SPARQL it ran."""
    from kg.ask.answer import answer
    from kg.ask.render import render_answer

    with _errors():
        store = _open_store(out)
        if question is not None:
            with _time_limit(timeout, "the question"):
                text = render_answer(answer(question, store, every=all_, folder=out), fmt)
            sys.stdout.write(text)
            return
        from kg.ask.repl import GREETING, answer_questions, interactive, read_questions

        if interactive():
            console.print(GREETING, highlight=False)
        limit = lambda: _time_limit(timeout, "the question")     # noqa: E731  (each question, not the session)
        for text in answer_questions(read_questions(), store, out, fmt, all_, limit):
            sys.stdout.write(text)
            sys.stdout.flush()


@app.command()
def serve(out: Path = out_option,
          port: int = typer.Option(7878, help="Port to listen on (0 picks a free one)."),
          host: str = typer.Option("127.0.0.1", help="Address to bind; the default serves this machine only."),
          timeout: float = typer.Option(10.0, help="Seconds a query may run before it is stopped.")):
    """Serve out/ read-only: SPARQL 1.1 endpoint at /sparql, query page at /query.html, the pages at /."""
    from kg.serve.app import make_server

    with _errors():
        server = make_server(out, host, port, timeout)
        console.print(f"serving {out}/ at http://{host}:{server.server_port}/  (SPARQL: /sparql, "
                      f"query page: /query.html); Ctrl-C stops", highlight=False)
        try:
            server.serve_forever()
        finally:
            server.close()


@app.command()
def push(endpoint: str = typer.Option(..., "--endpoint", help="The store's root (http://host:port; its paths are found "
                                      "by probing) or its Graph Store URL (Oxigraph /store, Fuseki /DATASET/data, "
                                      "Virtuoso /sparql-graph-crud-auth)."),
         out: Path = out_option,
         update_endpoint: Optional[str] = typer.Option(None, help="SPARQL Update URL, if the store has no Graph Store Protocol."),
         query_endpoint: Optional[str] = typer.Option(None, help="SPARQL Query URL, for the counts and --check "
                                                      "(default: found beside the endpoint)."),
         user: Optional[str] = typer.Option(None, help="User for HTTP Basic or Digest auth; the password is read from "
                                            "KG_PUSH_PASSWORD, or prompted for."),
         asserted_only: bool = typer.Option(False, "--asserted-only", help="Send only what was read, without the entailments "
                                            "the endpoint serves."),
         chunk: Optional[int] = typer.Option(None, help="Triples per request (default 20,000 with the Graph Store "
                                             "Protocol, 1,000 with SPARQL Update)."),
         timeout: float = typer.Option(120.0, help="Seconds to wait for the store to answer one request."),
         check: bool = typer.Option(False, "--check", help="Push nothing: run every library query on the store and on "
                                    "the local graph, and report any difference in rows (exit 1 if any).")):
    """Replace each report's named graph (and the ontology and candidates graphs) in an external SPARQL store."""
    import os

    from kg.push.compare import check as check_store
    from kg.push.upload import push as push_graphs

    with _errors():
        password = None
        if user:
            password = os.environ.get("KG_PUSH_PASSWORD")
            if password is None:
                if not sys.stdin.isatty():
                    console.print(f"[red]error:[/red] no password for {user}: set KG_PUSH_PASSWORD "
                                  f"(it is never taken on the command line)", highlight=False)
                    raise typer.Exit(1)
                password = typer.prompt(f"password for {user}", hide_input=True, err=True)
        if check:
            diffs = check_store(out, endpoint, query_endpoint, user, password, timeout)
        else:
            pushed = push_graphs(out, endpoint, update_endpoint, query_endpoint, user, password, asserted_only,
                                 chunk, timeout=timeout)
    if check:
        for d in diffs:
            stdout.print(f"differs\t{d.query}\t{d.remote_rows} rows on the store, {d.local_rows} here"
                         + (f"\t{d.note}" if d.note else ""), highlight=False)
        if diffs:
            console.print(f"[red]error:[/red] {len(diffs)} library queries answer differently on {endpoint}", highlight=False)
            raise typer.Exit(1)
        stdout.print(f"every library query gives the same rows on {endpoint} as here", highlight=False)
        return
    for p in pushed:
        stdout.print(f"{p.graph}\t{p.triples} triples\t{p.method}\t{p.requests} request(s)\t{p.seconds:.2f} s", highlight=False)
    stdout.print(f"pushed {sum(p.triples for p in pushed)} triples in {len(pushed)} graphs; the store holds them all "
                 f"(counted per graph)", highlight=False)


def main() -> None:  # pragma: no cover - entry point for `python -m kg.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
