"""Contracts: the registry of products, contracts, holders and beneficiaries."""
