"""Registrations of the efficiency and fsQCA analyses for study files."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from healthalloc.efficiency.bootstrap import PARAMS as BOOTSTRAP_PARAMS
from healthalloc.efficiency.bootstrap import dea_bootstrap
from healthalloc.efficiency.dea import EFFICIENT_TOL
from healthalloc.efficiency.dea import PARAMS as DEA_PARAMS
from healthalloc.efficiency.dea import dea
from healthalloc.efficiency.malmquist import PARAMS as MALMQUIST_PARAMS
from healthalloc.efficiency.malmquist import malmquist
from healthalloc.equity.analysis import PARAMS as EQUITY_PARAMS
from healthalloc.equity.analysis import equity
from healthalloc.qca import fsqca, robustness
from healthalloc.qca.analysis import PARAMS as QCA_PARAMS
from healthalloc.qca.calibrate import read_anchors
from healthalloc.qca.robustness import ROBUSTNESS
from healthalloc.spatial import spatial_analysis, spatial_weights
from healthalloc.spatial.analysis import PARAMS as SPATIAL_PARAMS
from healthalloc.spatial.weights import WEIGHTS
from healthalloc.params import REQUIRED, Param, Params
from healthalloc.report.section import Section
from healthalloc.study.registry import Context, register
from healthalloc.study.published import PAPERS, compare, paper
from healthalloc.study.published import ROLES as PUBLISHED_ROLES
from healthalloc.study.spec import read_source

GROUP = Param("group", None, role="group")


@register("dea", title="DEA efficiency",  # a report names every unit: the study needs the unit column
          params=DEA_PARAMS.without("unit") + Params(replace(DEA_PARAMS["unit"], default=REQUIRED), GROUP),
          exports=("efficiency", "scale_efficiency", "crs_efficiency", "statistics"))
def _dea(ctx: Context) -> Section:
    """With VRS, headlined as the DEA literature does: comprehensive (CRS) efficiency, pure technical
    (VRS) and scale efficiency beside it, the national mean per period and a period × group grid."""
    r, o = ctx.roles, ctx.options
    res = ctx.call(dea, ctx.data, progress=False, **ctx.engine)
    group = r.get("group")
    if res.scale is None:
        bad = f", bad outputs {', '.join(res.undesirable)} reduced" if res.undesirable else ""
        sec = res.section(ctx.name, f"DEA efficiency ({o['model']}, {o['rts'].upper()}, {res.orientation}{bad})",
                          group=group)
        sec.exports["statistics"] = pd.Series({"mean_efficiency": _last(res.efficiency, res.by).mean()})
    else:
        sec = res.section(ctx.name, "DEA efficiency: comprehensive (CRS), pure technical (VRS) and scale "
                                    f"({o['model']}, {o['orientation']})", group=group)
        scores = _scores(res)
        if res.by:
            sec.add_table("national", _national_means(scores, res.by),
                          f"National mean per {res.by} (mean of the units): comprehensive (CRS), pure technical "
                          "(VRS) and scale efficiency, and the units on the CRS frontier.")
        if res.by and group:
            sec.add_table("regions", _region_grid(scores, res.by, res.data[group]),
                          f"Mean comprehensive (CRS) efficiency per {res.by} and {group}.")
        sec.add_table("crs_vrs", _crs_vrs_correlation(scores),
                      "Agreement of the CRS and VRS scores over all evaluations: Pearson and Spearman correlation.")
        last = _last(scores, res.by)
        sec.exports["crs_efficiency"] = res.scale["crs_efficiency"]
        sec.exports["scale_efficiency"] = res.scale["scale_efficiency"]
        sec.exports["statistics"] = pd.concat([last[["crs", "vrs", "scale"]].mean().add_prefix("mean_"),
                                               _crs_vrs_correlation(scores).iloc[0, 1:].add_prefix("crs_vrs_")])
    sec.add_table("scores", res.to_frame(), "Efficiency, slacks, targets and peers of every unit.")
    sec.add_table("summary", res.summary(group).reset_index(),
                  "Efficient units and mean scores" + (f" by {group}." if group else "."))
    sec.exports["efficiency"] = res.efficiency
    return sec


def _scores(res) -> pd.DataFrame:
    """``crs``, ``vrs`` and ``scale`` efficiency per evaluation, indexed like the result."""
    return pd.DataFrame({"crs": res.scale["crs_efficiency"], "vrs": res.efficiency,
                         "scale": res.scale["scale_efficiency"]})


def _last(values: pd.Series | pd.DataFrame, by: str | None):
    """The last period's rows (all rows without periods)."""
    return values.xs(values.index.get_level_values(by).max(), level=by) if by else values


def _national_means(scores: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per period: units, mean ``crs_efficiency``, ``vrs_efficiency``, ``scale_efficiency``, CRS-efficient units."""
    grouped = scores.groupby(level=by)
    out = grouped.mean().add_suffix("_efficiency")
    out.insert(0, "units", grouped.size())
    out["crs_efficient"] = grouped["crs"].agg(lambda v: int((v >= 1 - EFFICIENT_TOL).sum()))
    return out.reset_index()


def _region_grid(scores: pd.DataFrame, by: str, group: pd.Series) -> pd.DataFrame:
    """Mean CRS efficiency, one row per period and one column per group in the data's order (``group``
    aligned with ``scores``)."""
    grid = scores["crs"].groupby([scores.index.get_level_values(by), group.to_numpy()]).mean().unstack()
    return grid[pd.unique(group.to_numpy())].rename_axis(index=by, columns=None).reset_index()


def _crs_vrs_correlation(scores: pd.DataFrame) -> pd.DataFrame:
    """``evaluations``, ``pearson`` and ``spearman`` correlation of the CRS and VRS scores."""
    return pd.DataFrame({"evaluations": [len(scores)], "pearson": [scores["crs"].corr(scores["vrs"])],
                         "spearman": [scores["crs"].corr(scores["vrs"], method="spearman")]})


@register("malmquist", title="Malmquist productivity index", params=MALMQUIST_PARAMS + Params(GROUP),
          exports=("statistics",))
def _malmquist(ctx: Context) -> Section:
    r = ctx.roles
    res = ctx.call(malmquist, ctx.data, progress=False, **ctx.engine)
    sec = res.section(ctx.name, "Malmquist productivity index")
    sec.add_table("indices", res.to_frame(),
                  "effch, techch, pech, sech and tfpch of every unit per transition.")
    sec.add_table("means", res.summary().reset_index(),
                  "Geometric means per transition and overall (DEAP's mean rows).")
    sec.add_table("unit_means", res.unit_means().reset_index(),
                  "Geometric means over the transitions per unit (DEAP's firm means).")
    if r.get("group"):
        sec.add_table("group_means", res.group_means(r["group"]).reset_index(),
                      f"Geometric means by {r['group']}.")
    sec.exports["statistics"] = res.overall()
    return sec


@register("equity", title="Equity of resource allocation", params=EQUITY_PARAMS)
def _equity(ctx: Context) -> Section:
    """Gini (population and area), Theil L and T with their group decomposition, HRDI, HRAD/PAD."""
    r = ctx.roles
    res = ctx.call(equity, ctx.data)
    sec = res.section(ctx.name, f"Equity of {r['resource']}")
    sec.add_table("indices", res.to_frame(),
                  "Gini by population and area; Theil L (GE(0)) and T (GE(1)), population-weighted.")
    if res.contributions is not None:
        sec.add_table("contributions", res.contributions,
                      "Each group's population and resource shares, Theil indices and contribution.")
    sec.add_table("units", res.units,
                  "Per unit: per-capita resource, density index HRDI, agglomeration HRAD, PAD.")
    return sec


def _in_sentence(name: str) -> str:
    """A variable's English label inside a sentence (lower-cased unless it starts with an
    acronym), or its name when it has none."""
    from healthalloc.report.labels import label

    text = label(name, "en") or name
    return text[0].lower() + text[1:] if text[1:2].islower() else text


@register("spatial", title="Spatial–temporal evolution",
          params=SPATIAL_PARAMS.without("unit") + WEIGHTS.without("transform"))
def _spatial(ctx: Context) -> Section:
    """Moran's I and LISA per period, kernel densities, σ/β convergence, spatial Markov chains.

    ``value`` is a column, or another analysis' export (``"bcc.efficiency"``): then its
    units and periods come with it. The weights are :func:`~healthalloc.spatial.spatial_weights`
    over the data's units (an ``adjacency`` file is read like any study source)."""
    r, o = ctx.roles, ctx.options
    value, group = r["value"], r.get("group")
    if isinstance(value, pd.Series):
        frame = value.reset_index()
        unit, period, name = frame.columns[0], (frame.columns[1] if value.index.nlevels > 1 else None), value.name
        if group:
            labels = ctx.data.drop_duplicates(r["unit"]).set_index(r["unit"])[group]
            frame[group] = frame[unit].map(labels)
    else:
        frame, unit, period, name = ctx.data, r["unit"], r.get("period"), value
    options = {k: o[k] for k in WEIGHTS.options if k in o}
    if options.get("adjacency") is not None:
        options["adjacency"] = read_source(options["adjacency"], ctx.study_dir)[0]
    weights = spatial_weights(ctx.data, r["unit"], coordinates=r.get("coordinates"), **options)
    res = spatial_analysis(frame, name, weights, unit=unit, by=period, group=group,
                           permutations=o["permutations"], seed=o["seed"], alpha=o["alpha"],
                           classes=o["classes"])
    sec = res.section(ctx.name, f"Spatial–temporal evolution of {_in_sentence(name)}")
    sec.tables.update(res.tables())
    sec.stars["moran"] = {"I": "p_sim"}
    sec.stars["beta_convergence"] = {"beta": "p"}
    sec.captions.update({
        "moran": "Global Moran's I per period (999 permutations unless set); stars: *** p < 0.01, ** p < 0.05, * p < 0.1.",
        "lisa": "Local Moran (LISA) per unit and period; clusters HH, LL, LH, HL where p_sim < alpha.",
        "sigma_convergence": "σ-convergence: coefficient of variation and sd of logs per period.",
        "beta_convergence": "β-convergence (absolute cross-section; conditional panel); speed λ = −ln(1 + βT)/T.",
        "markov": "Classic and spatial Markov transition probabilities between quantile classes."})
    return sec


@register("dea_bootstrap", title="Bootstrapped DEA efficiency",
          # a study's report is reproducible (seed 1 unless the study sets another) and names every unit
          params=BOOTSTRAP_PARAMS.without("unit", "seed") + Params(
              replace(BOOTSTRAP_PARAMS["unit"], default=REQUIRED), replace(BOOTSTRAP_PARAMS["seed"], default=1)),
          exports=("bias_corrected",))
def _bootstrap(ctx: Context) -> Section:
    """One period of a panel (``at``, default the last) or the whole cross-section."""
    o = ctx.options
    res = ctx.call(dea_bootstrap, ctx.data, progress=False, **ctx.engine)
    sec = res.section(ctx.name, "Bootstrapped DEA efficiency (Simar & Wilson 1998)")
    sec.add_table("scores", res.to_frame(),
                  f"Bias-corrected scores and {1 - o['alpha']:.0%} confidence intervals.")
    sec.exports["bias_corrected"] = res.bias_corrected
    return sec


NECESSITY = Param("necessity", True, "add the necessity table (Y and ~Y side by side); false where another "
                  "analysis of the same outcome and conditions shows it")


@register("qca", title="Fuzzy-set QCA", params=QCA_PARAMS + Params(NECESSITY), exports=("statistics",))
def _qca(ctx: Context) -> Section:
    o = ctx.options
    kwargs = ctx.kwargs | {"anchors": read_anchors(o["anchors"], ctx.study_dir)}
    res = fsqca(ctx.data, **{k: v for k, v in kwargs.items() if k != NECESSITY.name})
    sec = res.section(ctx.name, f"Fuzzy-set QCA of {res.truth_table.outcome}")
    tables = {"necessity": res.necessity.summary().reset_index(),
              "truth_table": res.truth_table.to_frame().reset_index(), "solutions": res.to_frame(),
              "chart": res.chart.to_frame().reset_index(),
              "calibrated": res.calibration.memberships.reset_index(), "anchors": res.calibration.anchors}
    if not o["necessity"]:
        del tables["necessity"]
    sec.tables.update(tables)
    y, not_y = res.necessity.outcomes
    sec.captions.update({
        "necessity": f"Necessity of each condition and negation for {y} and {not_y} side by side: consistency, "
                     f"coverage, and whether the consistency reaches {res.necessity.threshold:g}.",
        "truth_table": f"Truth table (incl.cut {o['incl_cut']}, PRI cut {o['pri_cut']}, n.cut {o['n_cut']}).",
        "solutions": "Complex, parsimonious and intermediate models with each term's fit.",
        "chart": f"Configuration chart: {res.chart.note} Symbols: {res.chart.legend_text()}",
        "calibrated": "Set memberships." if o["calibrated"] else "Calibrated set memberships.",
        "anchors": "Calibration anchors used."})
    sec.exports["statistics"] = _qca_statistics(res, ctx.data, ctx.roles["outcome"], o["negate_outcome"])
    return sec


def _qca_statistics(res, data: pd.DataFrame, outcome: str | pd.Series, negated: bool) -> pd.Series:
    """``outcome_mean`` (raw), ``max_necessity`` (for the analysed outcome, Y or ~Y) and the first
    intermediate model's ``solution_consistency`` and ``solution_coverage`` (parsimonious without one)."""
    raw = outcome if isinstance(outcome, pd.Series) else data[outcome]
    analysed = res.necessity.outcomes[int(negated)]
    models = res.solutions.intermediate or res.solutions.parsimonious
    fit = {"solution_consistency": models[0].consistency, "solution_coverage": models[0].coverage} if models else {}
    return pd.Series({"outcome_mean": raw.mean(), "max_necessity": res.necessity.table[(analysed, "inclN")].max()}
                     | fit)


@register("qca_robustness", title="fsQCA robustness",
          params=Params(*(QCA_PARAMS[n] for n in ("outcome", "conditions", "unit", "anchors", "negate_outcome",
                                                  "dir_exp")),
                        Param("percentiles", [[0.85, 0.5, 0.1], [0.8, 0.5, 0.15], [0.9, 0.5, 0.05]],
                              "percentile calibrations compared, one triple each", kind=list),
                        *(ROBUSTNESS[n] for n in ("incl_cuts", "pri_cuts", "n_cuts", "solution"))),
          exports=("statistics",))
def _qca_robustness(ctx: Context) -> Section:
    """Solutions over a grid of thresholds and calibrations (anchors and percentile sets)."""
    o = ctx.options
    calibrations = {"/".join(f"{100 * v:g}" for v in p): tuple(p) for p in o["percentiles"]}
    if o["anchors"] is not None:
        calibrations = {"anchors": read_anchors(o["anchors"], ctx.study_dir)} | calibrations
    res = ctx.call(robustness, ctx.data, calibrations=calibrations)
    sec = res.section(ctx.name, "Robustness of the fsQCA solutions")
    sec.add_table("variants", res.variants, "Solution per threshold and calibration variant (first of tied models).")
    sec.add_table("terms", res.terms, "Per term, the variants in which at least one tied model contains it "
                  "(in_some_model) and those in which every tied model does (in_every_model); share_every 1: "
                  "the robust core.")
    v = res.variants
    keys = (v["calibration"] + "@" + v["incl_cut"].map("{:g}".format) + "/" + v["pri_cut"].map("{:g}".format)
            + "/" + v["n_cut"].astype(str))  # "anchors@0.85/0.7/1"
    sec.exports["statistics"] = pd.concat([v["consistency"].set_axis(keys + ":consistency"),
                                           v["coverage"].set_axis(keys + ":coverage")])
    return sec


@register("published", title="Published and reproduced",
          params=Params(Param("paper", REQUIRED, "the example's paper whose numbers are set beside ours",
                              choices=tuple(PAPERS)),
                        *(Param(role, None, f"the {role} analysis' statistics (NAME.statistics)", role=role)
                          for role in PUBLISHED_ROLES)))
def _published(ctx: Context) -> Section:
    """The paper's numbers as printed, ours beside them, the difference and its reason."""
    block = paper(ctx.options["paper"])
    wrong = [role for role in PUBLISHED_ROLES if isinstance(ctx.roles.get(role), str)]
    if wrong:
        raise ValueError(f"{wrong[0]} names a column, not an analysis' statistics: "
                         f"write {wrong[0]} = \"NAME.statistics\"")
    statistics = {role: ctx.roles[role] for role in PUBLISHED_ROLES if ctx.roles.get(role) is not None}
    table = compare(ctx.options["paper"], statistics)
    addressed, close = int(table["ours"].notna().sum()), int((table["difference"].abs() < 0.005).sum())
    reading = (block["note"] if not len(table) else
               f"{len(table)} numbers of {block['paper']}; the shipped data address none of them (see the reasons)."
               if not addressed else f"{len(table)} numbers of {block['paper']}; the shipped data address "
               f"{addressed}, of which {close} {'is' if close == 1 else 'are'} reproduced within 0.005.")
    sec = Section(ctx.name, f"Published and reproduced: {block['paper']}", reading)
    if len(table):
        sec.add_table("comparison", table, "The paper's numbers as printed (with the table or section they come "
                      "from), ours from this report, ours − published, and why they differ.")
        if block.get("note"):
            sec.add_note(block["note"])
    return sec
