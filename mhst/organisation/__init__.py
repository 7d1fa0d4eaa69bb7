"""Service areas and MHST teams: how the service is organised."""
