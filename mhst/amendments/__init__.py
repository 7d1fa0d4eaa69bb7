"""Clinical text kept as versions: amended, never overwritten."""
