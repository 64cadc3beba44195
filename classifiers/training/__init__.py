"""Training side of the classifiers: data, generator, model, export. Only ``model.py``,
``export.py`` and ``train.py`` import torch; the daemon never imports them."""

#: What built the shipped artefact (``DATA.md``): ``safeguard train`` with no options
#: rebuilds it. Here, not in ``train.py``, so the CLI can show the defaults without torch.
SHIPPED_MIX = "v8"
SHIPPED_SEEDS = (13, 29)
