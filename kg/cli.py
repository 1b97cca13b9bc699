"""The `kg` command line: thin wrappers that call one library function each and print its result."""
from __future__ import annotations

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
stdout = Console()


@contextmanager
def _errors():
    """Known errors become one clear line on stderr and exit code 1; Ctrl-C exits 130."""
    from extract.gazetteer import GazetteerError
    from extract.report import ReportError
    from kg.eval import EvalError
    from kg.output import OutputError

    def show_warning(message, category, *args, **kwargs):
        console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)

    old = warnings.showwarning
    warnings.showwarning = show_warning
    try:
        yield
    except (ReportError, EvalError, OutputError, GazetteerError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        console.print("[red]interrupted:[/red] nothing was written; the previous output is unchanged")
        raise typer.Exit(130)
    finally:
        warnings.showwarning = old


@app.command()
def build(files: Optional[List[Path]] = typer.Argument(None, help="Report files or folders; default: the bundled reports."),
          out: Path = out_option,
          jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Reports analysed in parallel processes."),
          no_cache: bool = typer.Option(False, "--no-cache", help="Re-analyse every report, ignoring out/cache.")):
    """Build reports into out/graph.trig (one named graph per report), out/graph.ttl and out/candidates.tsv."""
    from kg.build import build as build_reports, write_build

    with _errors():
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


@app.command("eval")
def eval_(out: Path = out_option,
          gold: Optional[Path] = typer.Option(None, help="Gold entity TSV (default: the Mali 2021 evaluation file)."),
          report: str = typer.Option("unicef-mali-2021-country-office-annual-report", help="Slug of the report to score."),
          show: int = typer.Option(50, help="How many misses and false hits to list.")):
    """Score the built graph against gold files: precision, recall, F1 per kind, misses and false hits."""
    from kg.eval import default_gold, evaluate_entities, load_dataset

    with _errors():
        ds = load_dataset(out)
        result = evaluate_entities(ds, gold or default_gold("entities.tsv"), report)
    table = Table(title=f"entities of {report}")
    for col in ("kind", "precision", "recall", "F1", "gold", "predicted"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    for kind, s in result.per_kind.items():
        table.add_row(kind, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.gold), str(s.pred))
    o = result.overall
    table.add_row("[b]overall[/b]", f"{o.precision:.3f}", f"{o.recall:.3f}", f"{o.f1:.3f}", str(o.gold), str(o.pred))
    stdout.print(table)
    for kind, label in result.misses[:show]:
        stdout.print(f"miss\t{kind}\t{label}", highlight=False)
    for kind, label, iri in result.false_hits[:show]:
        stdout.print(f"false hit\t{kind}\t{label}\t{iri}", highlight=False)


def main() -> None:  # pragma: no cover - entry point for `python -m kg.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
