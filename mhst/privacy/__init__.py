"""Records management for a child's record (UK GDPR, the Records Management Code of
Practice): subject access exports, erasure on a family's objection before treatment, and
the retention review. Everything held about a child is found by one walk of the foreign
keys from the child (:mod:`mhst.privacy.graph`)."""
