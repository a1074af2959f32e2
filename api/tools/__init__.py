"""Tools for developers and operators that need the development extras: benchmarks and the soak."""
