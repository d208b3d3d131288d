"""Study files: one TOML file names the data, the roles and the analyses; one call runs
them all and writes tables, figures and a self-contained HTML report.

    >>> from healthalloc.study import run_study          # doctest: +SKIP
    >>> result = run_study("examples/seed001.toml")      # doctest: +SKIP
    >>> result.report                                    # doctest: +SKIP
"""

from healthalloc.report.section import Section
from healthalloc.study.registry import REGISTRY, register
from healthalloc.study.runner import StudyResult, run_study
from healthalloc.study.spec import StudyError, load_study

__all__ = ["REGISTRY", "Section", "StudyError", "StudyResult", "load_study", "register",
           "run_study"]
