"""Write the static site into a folder: the pages, the assets they need offline and the network exports."""
from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import Dataset, Graph

from kg.pages.networks import (build_entity_network, build_partnership_network, build_places_network,
                               build_sdg_network, write_gexf, write_graphml)
from kg.pages.render import (_numeric_code, render_entity, render_index, render_outcomes_sdgs, render_partnerships,
                             render_places, render_report, render_search_index, render_world_atlas)
from kg.pages.site import ASSETS, PageError, build_site, entity_filename

VIS_FILES = ("vis-network/vis-network.min.js", "vis-network/vis-network.css", "topojson-client/topojson-client.min.js")
OWN_FILES = ("reportkg.js", "reportkg-map.js", "reportkg.css")


def write_pages(data: Dataset | Graph, out_dir: Path, conformance=None) -> list[Path]:
    """Write the site into out_dir: index, partnerships, outcomes-sdgs, places, report, entity/*.html, assets, exports.

    `conformance` (kg.build.validation.Conformance, or a function that waits for it) shows the SHACL status on the
    index, drawn last; without it the index says it was not run.
    """
    out = Path(out_dir)
    site = build_site(data)
    read = (site.entities, site.relations, site.results)     # read once, by build_site
    partnerships = build_partnership_network(site.graph, read=read)
    sdgs = build_sdg_network(site.graph, read=read)
    places = build_places_network(site.graph, read=read)
    everything = build_entity_network(site.graph, read=read)
    counts = {name: {"nodes": n.number_of_nodes(), "edges": n.number_of_edges()}
              for name, n in (("partnerships", partnerships), ("sdgs", sdgs), ("places", places))}
    counts["places"]["places"] = sum(1 for _, d in places.nodes(data=True) if "level" in d)
    counts["places"]["maps"] = len({d["country"] for _, d in places.nodes(data=True) if d.get("country") and _numeric_code(d["country"])})
    written: list[Path] = []
    try:
        (out / "assets").mkdir(parents=True, exist_ok=True)
        (out / "entity").mkdir(exist_ok=True)
        for name in VIS_FILES + OWN_FILES:
            written.append(Path(shutil.copyfile(ASSETS / name, out / "assets" / Path(name).name)))

        def put(rel: str, text: str) -> None:
            path = (out / rel).resolve()
            if out.resolve() not in path.parents:
                raise PageError(f"{path}: page would be written outside {out}; this is a bug in the page names")
            path.write_text(text, encoding="utf-8")
            written.append(path)

        put("assets/search-index.js", render_search_index(site))
        put("assets/world-atlas.js", render_world_atlas())
        put("partnerships.html", render_partnerships(site, partnerships))
        put("outcomes-sdgs.html", render_outcomes_sdgs(site, sdgs))
        put("places.html", render_places(site, places))
        put("report.html", render_report(site))
        for iri in sorted(site.entities):
            put(f"entity/{entity_filename(iri)}", render_entity(site, iri, everything))
        written.append(write_graphml(partnerships, out / "partnerships.graphml"))
        written.append(write_gexf(partnerships, out / "partnerships.gexf"))
        put("index.html", render_index(site, counts, conformance() if callable(conformance) else conformance))
    except OSError as exc:
        if isinstance(exc, PageError):
            raise
        raise PageError(f"{out}: cannot write the pages ({exc.strerror or exc}); choose another --out") from None
    return written
