"""Reproducible training, export and evaluation of Civility's model (needs the ``train`` extra)."""
