"""Training side of the classifiers: data, generator, model, export. Only ``model.py``,
``export.py`` and ``train.py`` import torch; the daemon never imports them."""

#: What built the shipped artefact (``DATA.md``): ``safeguard train`` with no options
#: rebuilds it. Here, not in ``train.py``, so the CLI can show the defaults without torch.
SHIPPED_MIX = "v23"
SHIPPED_SEEDS = (13, 29, 41, 53)
#: Exported with per-token activation scales (``export.per_row_activations``).
SHIPPED_PER_ROW = True
#: Minutes per seed's run: a cap that must not bind. One pass over ``v23`` is 1,303 steps,
#: about 23 minutes a run on one core of the development machine; the shipped seeds
#: were trained with this budget and all took the full pass.
SHIPPED_MAX_MINUTES = 110.0
