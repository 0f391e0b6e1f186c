"""The naive baseline: the original spec's booking design, a locked counter that is decremented."""
