"""Show the results: publication tables, figures and maps (:mod:`healthalloc.report.figures`), HTML report."""
