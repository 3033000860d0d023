"""Engines that run the batch scorer (:func:`civility.batch.score_batch`) over whole files.

``local``: a pool of worker processes on this machine, resumable, any format.
``ray_engine``: the same scorer on Ray Data, for a cluster (optional ``ray`` extra).
"""
