"""Authoring at scale: scaffold pages from templates and facts (`dsatlas new`), keep the sources
database honest (`dsatlas sources`), and measure progress against the plan (`dsatlas progress`).

One module per concern: `kinds` (what each kind needs and where it lives), `scaffold` (templates and
facts → a page), `timeline` (T+ offsets from UTC timestamps), `citations` and `links` (the sources
database), `plan`, `history` and `progress` (the 900-page plan, git velocity, the dashboard), `charts`
(inline SVG), and `cli` (the commands).
"""
