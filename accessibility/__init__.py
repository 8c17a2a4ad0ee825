"""How far things are: travel network, snapping, shortest paths, circles, coverage, 2SFCA, assignment."""
