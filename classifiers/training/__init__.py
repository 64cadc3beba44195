"""Training side of the classifiers: data, generator, model, export. Only ``model.py``,
``export.py`` and ``train.py`` import torch; the daemon never imports them."""
