"""Importing a bureau's own files (census sheets, Excel facility lists, rosters, births, project lists,
boundaries and an OSM extract) into the study-area folder format: ``hedong area init``."""
