"""Pieces every feature uses: time, types, forms and fields, CSV downloads, errors and the
signals. The bottom layer: it imports no other package of the service but
``mhst.extensions`` and ``mhst.database``."""
