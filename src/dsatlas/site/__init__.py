"""The atlas site: `dsatlas build` and `dsatlas serve`.

The pipeline, one module per step, plain data between them:

    check (dsatlas check: every gate)  →  catalog (load pages)  →  render (Mermaid → SVG in Chromium,
    cached)  →  pages / indexes / tree / config (compile an engine-neutral Markdown tree + mkdocs.yml)
    →  engines (MkDocs + Material, or Zensical)  →  site/

`build.SiteBuilder` runs it; `serve` keeps a builder alive and rebuilds only what changed.
"""
