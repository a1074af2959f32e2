"""Queries that read several read models at once: the tiered lookup, compliance, the annual report."""
